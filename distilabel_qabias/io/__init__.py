"""Reading INPUT and writing OUTPUT for the CLI (and the example pipelines): :mod:`.read`, :mod:`.write`."""

from distilabel_qabias.errors import InputError, OutputError
from distilabel_qabias.io.read import LOCAL_FORMATS, is_local_path, load_rows
from distilabel_qabias.io.write import check_output_path, check_report_folder, check_rows_fit, to_dataset, write_rows

__all__ = [
    "LOCAL_FORMATS",
    "InputError",
    "OutputError",
    "check_output_path",
    "check_report_folder",
    "check_rows_fit",
    "is_local_path",
    "load_rows",
    "to_dataset",
    "write_rows",
]
