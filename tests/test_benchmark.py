"""The benchmarks' own logic, without training: seeds.py's configurations and tables, and
amplitude.py's rows."""

import pytest

import sine_gan
from benchmarks import amplitude, seeds
from beyond_the_slides import score


def test_a_generators_amplitude_row_does_not_depend_on_the_others_listed(tmp_path, seeded,
                                                                         monkeypatch, capsys):
    monkeypatch.setattr(amplitude.classifier, "two_sample_accuracies",
                        lambda *args: {"c2st_curves": 0.5})  # the control's classifier: slow
    for name in ("a", "b"):
        sine_gan.build_generator().save(tmp_path / f"{name}.keras")
    rows = []
    for models in (["a"], ["b", "a"]):
        assert amplitude.main(["--model", *(f"{m}={tmp_path / m}.keras" for m in models)]) == 0
        rows.append(capsys.readouterr().out.splitlines())
    alone, after_b = rows
    assert alone[-1].startswith("| a |") and alone[-1] == after_b[-1]
    assert after_b[-2].startswith("| b |") and alone[:4] == after_b[:4]


def test_a_single_change_builds_only_that_change(seeded):
    steps, build_d, build_g = seeds.steps_of("conv_front")
    assert steps is sine_gan.run_slides
    names = {type(layer).__name__ for layer in build_d().layers}
    assert "Conv1D" in names and "MinibatchStd" not in names
    assert [type(layer).__name__ for layer in build_g().layers] == ["Dense"] * 3  # no smoothing


def test_a_converging_part_leaves_out_that_part(seeded):
    steps, _, build_g = seeds.steps_of("converging-lowpass")
    assert steps.keywords == {"without": ("lowpass",)}
    layers = {layer.name for layer in build_g().layers}
    assert "smoothing" in layers and "projection" not in layers
    _, _, build_g = seeds.steps_of("converging-no_r1")
    assert "projection" in {layer.name for layer in build_g().layers}


def test_a_converging_try_changes_only_what_it_names(seeded):
    from beyond_the_slides import converging

    def traits(optimizers):
        return [(round(float(o.learning_rate), 8), o.use_ema, o.ema_momentum) for o in optimizers]

    recipe = converging.converging_recipe()
    assert traits(seeds.tried_optimizers()()) == traits(recipe["optimizers"]())
    steps, build_d, build_g = seeds.steps_of("converging~critic_rate_x2")
    tried = steps.args[0]
    assert {k: v for k, v in tried.items() if not callable(v)} == {
        k: v for k, v in recipe.items() if not callable(v)}
    assert tried["generator_loss"] is recipe["generator_loss"]
    (critic, generator), (base_critic, base_generator) = (
        traits(tried["optimizers"]()), traits(recipe["optimizers"]()))
    assert critic[0] == 2 * base_critic[0] and generator == base_generator
    assert (build_d, build_g) == (seeds.build_critic, seeds.build_converging_generator)
    more = seeds.steps_of("converging~updates_384")[0].args[0]
    assert more["updates_per_epoch"] == 384 and more["updates_per_epoch"] % more["rounds"] == 0


@pytest.mark.parametrize("config", ["conv_front+wings", "converging-no_wings",
                                    "converging~wings"])
def test_an_unknown_change_or_part_is_refused(config):
    with pytest.raises(ValueError, match="wings"):
        seeds.steps_of(config)


def made_up(r2, w1, seconds):
    return {"median_r2": r2, score.SHARE_KEY: 0.9, "roughness_ratio": 2.0,
            "diversity_ratio": 0.9, "frequency_w1": w1, "seconds": seconds,
            "c2st_curves": 0.97, "c2st_family": 0.55}


def test_summary_gives_min_median_max_and_counts_the_seeds_that_meet_a_target():
    results = {("slides", 1): made_up(0.98, 0.30, 20), ("slides", 2): made_up(0.97, 0.40, 22),
               ("slides", 3): made_up(0.99, 0.20, 21),
               ("improved", 1): made_up(0.995, 0.05, 30), ("improved", 2): made_up(0.999, 0.12, 44),
               ("improved", 3): made_up(0.991, 0.08, 31)}
    seeds.add_time_ratios(results)
    assert results["improved", 2]["time_ratio"] == 2.0
    table = seeds.markdown(results, ["slides", "improved"], [1, 2, 3])
    assert "| improved | 0.050 | 0.080 | 0.120 | 2 of 3 |" in table  # W1 <= 0.10
    assert "| slides | 0.9700 | 0.9800 | 0.9900 | 0 of 3 |" in table  # R² >= 0.995
    assert "| improved | 0.9910 | 0.9950 | 0.9990 | 2 of 3 |" in table
    assert "| improved | 1.48 | 1.50 | 2.00 | 2 of 3 |" in table  # time <= 1.5x
    assert "| improved | 0.050 | 0.120 | 0.080 |" in table  # every seed, in seed order
    assert "<details>" in table


def test_a_missing_run_shows_as_a_dash_and_is_not_counted():
    results = {("improved", 1): made_up(0.995, 0.05, 30)}
    table = seeds.markdown(results, ["improved"], [1, 2])
    assert "| improved | 0.050 | 0.050 | 0.050 | 1 of 1 |" in table
    assert "| improved | 0.050 | – |" in table


def test_the_control_has_only_the_classifier_columns():
    results = {("real", 1): {"c2st_curves": 0.51, "c2st_family": 0.49},
               ("slides", 1): made_up(0.98, 0.30, 20)}
    seeds.add_time_ratios(results)
    table = seeds.markdown(results, ["real", "slides"], [1])
    assert "| real | 0.490 | 0.490 | 0.490 | 1 of 1 |" in table  # family <= 0.60
    assert "| real | 0.510 | 0.510 | 0.510 | 1 of 1 |" in table  # curves <= 0.95
    summary = table.split("**median R²**")[1].split("**share")[0]
    assert "| real |" not in summary
    assert "| real | – |" in table.split("<details>")[1]  # no R² for the control
    assert seeds.describe(results["real", 1]) == (
        "classifier 0.510 on the curves, 0.490 on the family")
