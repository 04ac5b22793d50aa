"""Build (or find cached) the demo's two tiny models and four suites in a data directory.

    python -m evals.demo.build --profile demo [--data-dir DIR]

The legal SPECIALIST trains on licence text only; the GENERALIST on Python source with a
smaller share of the same licence text. Suites come from held-out files. Both corpora are
shipped in the repository (`corpora.shipped_corpora`) and every seed is fixed, so the same
library versions give the same models and suites on every machine.

A build lands in `<data_dir>/demo-<profile>-<key>/`, where the key hashes the profile's
settings, the shipped corpus, the source of this package and the library versions;
`assets.json` is written last and a directory without it is never used, so a second call only
reads that file. The default data directory is a user-level cache
(`~/.cache/procure/demo-models`, see `default_cache_dir`), so every clone of the repository
shares one build. Older builds are never deleted here: a catalog may still name their
checkpoints.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import multiprocessing
import os
import resource
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any, Literal, get_args

from tqdm import tqdm

from evals.demo import corpora, suites
from evals.demo.models import TinyModelRecipe, build_from_recipe, library_versions, recipe_hash

Profile = Literal["demo", "test"]
ASSETS_FILE = "assets.json"
CACHE_ENV = "PROCURE_DEMO_CACHE"


def default_cache_dir() -> Path:
    """Where the demo's builds are kept: $PROCURE_DEMO_CACHE, else a user-level cache."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    cache_home = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache_home) / "procure" / "demo-models"


@dataclass(frozen=True)
class ProfileSettings:
    """What a profile builds: both models share `model` (its `max_steps` sets training time)."""

    model: TinyModelRecipe
    legal_share: float = 0.1  # share of licence text in the generalist's corpus
    legal_cloze_items: int = 500
    legal_phrase_items: int = 150
    legal_generation_items: int = 40
    code_cloze_items: int = 300
    seed: int = 0  # for drawing suite items; the models' seed is in `model`


# One recipe for the demo and the tests: a small vocabulary and context, a high learning rate,
# 300 steps on one thread (about 35 s of CPU time per model), which makes each model win its
# own domain significantly on the shipped corpus. The generalist sees only a little licence
# text (3 %): with 10 % it learned enough legal English in 300 steps to tie on legal cloze.
# One thread also keeps the weights the same on every machine: the thread count changes how
# matrix products are split, and so the last bits of the weights.
_RECIPE = ProfileSettings(
    model=TinyModelRecipe(max_steps=300, vocab_size=2048, context=64, lr=6e-3, threads=1),
    legal_share=0.03,
)
PROFILES: dict[Profile, ProfileSettings] = {"demo": _RECIPE, "test": _RECIPE}


@dataclass(frozen=True)
class DemoSuite:
    """A generated suite. `source_dir` is the upload form (relative data path, for our
    validator); `run_dir` holds only the task YAML, naming the data by absolute path, for
    `TaskManager(include_path=run_dir, include_defaults=False)`."""

    name: str
    task: str
    output_type: str
    n_items: int
    source_dir: Path
    run_dir: Path


@dataclass(frozen=True)
class DemoAssets:
    directory: Path
    profile: Profile
    specialist: Path  # trained on legal text only
    generalist: Path  # trained on code with a little legal text
    legal_cloze: DemoSuite
    legal_phrase: DemoSuite
    legal_generation: DemoSuite
    code_cloze: DemoSuite

    @property
    def suites(self) -> tuple[DemoSuite, ...]:
        return (self.legal_cloze, self.legal_phrase, self.legal_generation, self.code_cloze)


def ensure_demo_assets(
    data_dir: Path,
    *,
    profile: Profile,
    max_steps: int | None = None,
    say: Callable[[str], None] | None = None,
    progress: bool = False,
) -> DemoAssets:
    """Return the demo assets for `profile`, building them first unless already cached.

    `max_steps` overrides the profile's training steps of each model. `say` hears what the
    build is doing, and `progress` shows a progress bar of each model's training on stderr
    (the build takes a minute or more: a person watching should know it is not stuck).
    Concurrent callers may both build; the first rename wins and the other's copy is discarded.
    """
    settings = PROFILES[profile]
    if max_steps is not None:
        model = dataclasses.replace(settings.model, max_steps=max_steps)
        settings = dataclasses.replace(settings, model=model)
    final = Path(data_dir).resolve() / f"demo-{profile}-{_settings_key(settings)[:16]}"
    if (final / ASSETS_FILE).is_file():
        return _load(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{final.name}.", dir=final.parent))
    try:
        _build(tmp, final, profile, settings, say or (lambda message: None), progress)
        try:
            os.rename(tmp, final)  # atomic: `final` only ever exists complete
        except OSError:
            if not (final / ASSETS_FILE).is_file():
                raise
            shutil.rmtree(tmp)  # a concurrent build finished first; use that one
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return _load(final)


def _settings_key(settings: ProfileSettings) -> str:
    # The source of this package is part of the key: any change to how corpora, models or
    # suites are made gives a new build instead of a stale one.
    package = Path(__file__).parent
    files = [package / name for name in ("build.py", "corpora.py", "models.py", "suites.py")]
    payload = {
        "sources": {
            path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in [*files, corpora.SHIPPED_CORPUS]
        },
        "settings": dataclasses.asdict(settings),
        "versions": library_versions(),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _build(
    tmp: Path,
    final: Path,
    profile: Profile,
    settings: ProfileSettings,
    say: Callable[[str], None],
    progress: bool,
) -> None:
    """Write everything into `tmp`; absolute paths inside name `final`, where it will live."""
    seconds: dict[str, float] = {}
    began, cpu_began = time.monotonic(), time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    children_began = children.ru_utime + children.ru_stime
    with _timed(seconds, "corpora"):
        legal, code = corpora.shipped_corpora()
        general = corpora.general_training_text(code, legal, legal_share=settings.legal_share)
    training_texts = {"specialist": legal.train_text, "generalist": general}
    say(
        f"training the tiny {' and '.join(training_texts)} side by side "
        f"({settings.model.max_steps} steps each, "
        f"{' and '.join(f'{len(t) // 1000:,} kB' for t in training_texts.values())} of text)"
    )
    trained = _train_side_by_side(tmp / "models", training_texts, settings.model, progress)
    for name, took in trained.items():
        seconds[name] = took
        say(f"trained the {name} in {took:.0f} s")
    say("generating the suites from held-out text")
    with _timed(seconds, "suites"):
        generated = _generate_suites(legal, code, settings)
    for suite in generated:
        suites.write_suite(suite, tmp / "suites" / suite.name)
        data_file = final / "suites" / suite.name / suite.data_file
        suites.write_task_yaml(suite, tmp / "run" / suite.name, data_file=str(data_file))
    # The models train side by side: the build's wall time is not the sum of the parts.
    seconds["total"] = round(time.monotonic() - began, 2)
    # Wall time depends on what else runs on the machine; CPU time much less so. The training
    # processes count once they have been waited for.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds["cpu"] = round(
        time.process_time() - cpu_began + children.ru_utime + children.ru_stime - children_began,
        2,
    )

    manifest = {
        "profile": profile,
        "settings": dataclasses.asdict(settings),
        "recipe_hashes": {
            name: recipe_hash(text, settings.model) for name, text in training_texts.items()
        },
        "corpora": {"legal": legal.manifest(), "code": code.manifest()},
        "seconds": seconds,
    }
    (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    entries = [
        {"name": s.name, "task": s.task, "output_type": s.config["output_type"], "n": len(s.rows)}
        for s in generated
    ]
    assets = {"profile": profile, "suites": entries, "seconds": seconds}
    (tmp / ASSETS_FILE).write_text(json.dumps(assets, indent=2, sort_keys=True))


def _generate_suites(
    legal: corpora.Corpus, code: corpora.Corpus, settings: ProfileSettings
) -> list[suites.GeneratedSuite]:
    held_out, train, seed = legal.held_out, legal.train_text, settings.seed
    return [
        suites.legal_cloze_suite(held_out, train, n_items=settings.legal_cloze_items, seed=seed),
        suites.legal_phrase_suite(held_out, train, n_items=settings.legal_phrase_items, seed=seed),
        suites.legal_generation_suite(
            held_out, train, n_items=settings.legal_generation_items, seed=seed
        ),
        suites.code_cloze_suite(
            code.held_out, code.train_text, n_items=settings.code_cloze_items, seed=seed
        ),
    ]


def _train_side_by_side(
    models_dir: Path, texts: dict[str, str], recipe: TinyModelRecipe, progress: bool
) -> dict[str, float]:
    """Train one model per text, each in a process of its own; return seconds per model.

    Each model trains on one thread (part of the recipe, for the same weights everywhere), so
    on two cores two processes take half the time of one after the other. A fresh interpreter
    each (spawn, not fork: torch's thread pools do not survive a fork), reporting its steps
    through a shared counter that feeds one progress bar per model here.
    """
    context = multiprocessing.get_context("spawn")
    steps = {name: context.Value("i", 0) for name in texts}
    took = {name: context.Value("d", 0.0) for name in texts}
    processes = {
        name: context.Process(
            target=_train_one,
            args=(models_dir / name, text, recipe, steps[name], took[name]),
            name=f"train-{name}",
        )
        for name, text in texts.items()
    }
    bars = {
        name: tqdm(
            total=recipe.max_steps,
            desc=f"  training the {name}",
            unit="step",
            position=position,
            disable=not progress,
            mininterval=1.0,
        )
        for position, name in enumerate(texts)
    }
    try:
        for process in processes.values():
            process.start()
        while any(process.is_alive() for process in processes.values()):
            for name, bar in bars.items():
                bar.update(steps[name].value - bar.n)
            time.sleep(0.5)
        for name, bar in bars.items():
            bar.update(steps[name].value - bar.n)
    finally:
        for bar in bars.values():
            bar.close()
        for process in processes.values():
            if process.is_alive():  # interrupted: do not leave a trainer running
                process.terminate()
            process.join()
    failed = [name for name, process in processes.items() if process.exitcode != 0]
    if failed:
        raise RuntimeError(f"training the {' and '.join(failed)} failed (see the error above)")
    return {name: round(value.value, 2) for name, value in took.items()}


def _train_one(
    out_dir: Path, text: str, recipe: TinyModelRecipe, steps: Synchronized[int], took: Any
) -> None:
    began = time.monotonic()

    def step() -> None:
        steps.value += 1

    build_from_recipe(out_dir, text, recipe, on_step=step)
    took.value = time.monotonic() - began


@contextlib.contextmanager
def _timed(seconds: dict[str, float], label: str) -> Iterator[None]:
    began = time.monotonic()
    yield
    seconds[label] = round(time.monotonic() - began, 2)


def _load(directory: Path) -> DemoAssets:
    assets = json.loads((directory / ASSETS_FILE).read_text())
    by_name = {
        entry["name"]: DemoSuite(
            name=entry["name"],
            task=entry["task"],
            output_type=entry["output_type"],
            n_items=entry["n"],
            source_dir=directory / "suites" / entry["name"],
            run_dir=directory / "run" / entry["name"],
        )
        for entry in assets["suites"]
    }
    return DemoAssets(
        directory=directory,
        profile=assets["profile"],
        specialist=directory / "models" / "specialist",
        generalist=directory / "models" / "generalist",
        legal_cloze=by_name["legal_cloze"],
        legal_phrase=by_name["legal_phrase"],
        legal_generation=by_name["legal_generation"],
        code_cloze=by_name["code_cloze"],
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: build the assets of one profile and print where they are."""
    parser = argparse.ArgumentParser(prog="python -m evals.demo.build", description=__doc__)
    parser.add_argument("--data-dir", type=Path, default=default_cache_dir())
    parser.add_argument("--profile", choices=get_args(Profile), default="demo")
    parser.add_argument("--max-steps", type=int, default=None, help="training steps per model")
    args = parser.parse_args(argv)
    # Nothing here needs the network; make sure no library tries.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    assets = ensure_demo_assets(
        args.data_dir, profile=args.profile, max_steps=args.max_steps, say=print, progress=True
    )
    seconds = json.loads((assets.directory / ASSETS_FILE).read_text())["seconds"]
    print(f"demo assets ({assets.profile}): {assets.directory}")
    print(f"  specialist model: {assets.specialist}")
    print(f"  generalist model: {assets.generalist}")
    for suite in assets.suites:
        print(f"  suite {suite.task}: {suite.n_items} items, {suite.output_type}")
        print(f"    upload form: {suite.source_dir}")
        print(f"    lm-eval include_path: {suite.run_dir}")
    print(f"  built in {seconds['total']} s of wall time ({seconds})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
