"""evals.demo.build: the demo's thesis, measured with real lm-eval runs on the test profile.

The legal specialist must beat the generalist on legal cloze and lose to it on code, each
significantly by an exact McNemar test over the same items.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from evals.demo.build import DemoAssets, ensure_demo_assets, main
from evals.demo.measure import Comparison, item_scores, paired_comparison

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def legal_cloze(demo_assets: DemoAssets) -> Comparison:
    suite = demo_assets.legal_cloze
    specialist = item_scores(demo_assets.specialist, suite)
    generalist = item_scores(demo_assets.generalist, suite)
    return paired_comparison(suite.task, specialist, generalist)


@pytest.fixture(scope="module")
def code_cloze(demo_assets: DemoAssets) -> Comparison:
    suite = demo_assets.code_cloze
    specialist = item_scores(demo_assets.specialist, suite)
    generalist = item_scores(demo_assets.generalist, suite)
    return paired_comparison(suite.task, specialist, generalist)


def test_the_specialist_wins_legal_cloze_significantly(legal_cloze: Comparison) -> None:
    assert legal_cloze.n >= 500
    assert legal_cloze.accuracy_a > legal_cloze.accuracy_b
    assert legal_cloze.only_a > legal_cloze.only_b
    assert legal_cloze.p_value < 0.05, legal_cloze


def test_the_generalist_wins_code_cloze_significantly(code_cloze: Comparison) -> None:
    assert code_cloze.n >= 200
    assert code_cloze.accuracy_b > code_cloze.accuracy_a
    assert code_cloze.only_b > code_cloze.only_a
    assert code_cloze.p_value < 0.05, code_cloze


def test_both_models_beat_chance_where_they_were_trained(
    legal_cloze: Comparison, code_cloze: Comparison
) -> None:
    # Four choices: chance is 0.25. A model that learned nothing would make the test above
    # pass only by luck.
    assert legal_cloze.accuracy_a > 0.4
    assert code_cloze.accuracy_b > 0.4


def test_a_second_call_reuses_the_build(demo_assets: DemoAssets) -> None:
    began = time.monotonic()
    again = ensure_demo_assets(demo_assets.directory.parent, profile="test")

    assert again == demo_assets
    assert time.monotonic() - began < 2.0


def test_the_assets_are_laid_out_as_documented(demo_assets: DemoAssets) -> None:
    for model in (demo_assets.specialist, demo_assets.generalist):
        assert (model / "model.safetensors").is_file()
        assert (model / "tokenizer.json").is_file()
    for suite in demo_assets.suites:
        yaml_text = (suite.run_dir / f"{suite.task}.yaml").read_text()
        assert str(suite.source_dir / "data" / f"{suite.task}.jsonl") in yaml_text
        assert (suite.source_dir / f"{suite.task}.yaml").is_file()
    assert (demo_assets.directory / "manifest.json").is_file()


def test_the_command_prints_what_it_built(
    demo_assets: DemoAssets, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = demo_assets.directory.parent

    assert main(["--data-dir", str(data_dir), "--profile", "test"]) == 0

    out = capsys.readouterr().out
    assert str(demo_assets.specialist) in out
    assert "demo_legal_cloze: 500 items" in out
    assert Path(demo_assets.code_cloze.run_dir).name in out


def test_a_build_says_what_it_is_doing_while_it_trains(tmp_path):
    heard: list[str] = []

    ensure_demo_assets(tmp_path, profile="test", max_steps=1, say=heard.append)

    assert heard[0].startswith("training the tiny specialist and generalist side by side (1 steps")
    assert any(line.startswith("trained the specialist in") for line in heard)
    assert any(line.startswith("trained the generalist in") for line in heard)
    assert heard[-1] == "generating the suites from held-out text"
