"""Supernet: SPOS training, inherited-weight evaluation, the linked studies, ranking quality."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("torch")

import tiaocan as tc
from tiaocan.nas.ranking import precision_at_k, ranking_quality
from tiaocan.nas.supernet import Supernet, oneshot_search

OPS = ["none", "skip_connect", "conv_3x3"]
A = {"edge_0_1": "conv_3x3", "edge_0_2": "skip_connect", "edge_1_2": "conv_3x3"}
B = {"edge_0_1": "skip_connect", "edge_0_2": "conv_3x3", "edge_1_2": "none"}


@pytest.fixture(scope="module")
def trained() -> Supernet:
    net = Supernet(tc.nas.cell_space(3, OPS), channels=4)
    losses = net.train(epochs=2, seed=0)
    assert len(losses) == 2
    return net


def test_evaluation_uses_the_paths_own_batch_norm_statistics(trained) -> None:
    a1 = trained.evaluate(A)
    b = trained.evaluate(B)
    assert 0.0 <= a1 <= 1.0 and 0.0 <= b <= 1.0
    assert trained.evaluate(A) == a1  # recalibrated again: B's statistics are gone
    import torch

    trained.recalibrate(A)
    stats_a = trained.net.stem[1].running_mean.clone()
    trained.recalibrate(B)
    assert torch.equal(trained.net.stem[1].running_mean, stats_a)  # the stem sees the same data
    cell_bn = trained.net.cells[0].edges[0].ops[2].op[2]  # conv_3x3 of edge 0_1: in A, not in B
    trained.recalibrate(B)
    assert int(cell_bn.num_batches_tracked) == 0


def test_same_seed_same_supernet() -> None:
    space = tc.nas.cell_space(3, OPS)
    scores = []
    for _ in range(2):
        net = Supernet(space, channels=4)
        net.train(epochs=1, seed=5)
        scores.append(net.evaluate(A))
    assert scores[0] == scores[1]


def test_oneshot_search_and_retraining_are_two_linked_studies(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/o.db"
    result = oneshot_search(tc.nas.cell_space(3, OPS), n_trials=6, top_k=2, supernet_epochs=1,
                            retrain_epochs=2, channels=4, storage=url, name="os", seed=0)
    search = tc.load_study("os", storage=url)
    retrain = tc.load_study("os-retrain", storage=url)
    assert search.user_attrs["retrain_study"] == "os-retrain"
    assert retrain.user_attrs["oneshot_study"] == "os"
    assert search.record.attrs["sampler"] == result.search.record.attrs["sampler"]
    best = sorted(search.get_trials([tc.TrialState.COMPLETE]), key=lambda t: -t.value)[:2]
    assert [dict(t.params) for t in retrain.trials] == [dict(t.params) for t in best]
    for t in retrain.get_trials([tc.TrialState.COMPLETE]):
        assert 0.0 <= t.user_attrs["test_accuracy"] <= 1.0 and t.reports


@pytest.mark.parametrize("space", [tc.Space(x=tc.Float(0, 1)),
                                   tc.Space(edge_0_1=tc.Categorical(["conv_3x3"]),
                                            edge_1_2=tc.Categorical(["conv_3x3"]))])
def test_a_space_that_is_not_a_cell_space_is_a_clear_error(space) -> None:
    with pytest.raises(tc.ConfigError, match="Supernet needs a cell space"):
        Supernet(space)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 1, allow_nan=False), min_size=3, max_size=20, unique=True))
def test_ranking_quality_is_one_for_the_truth_and_minus_one_reversed(values) -> None:
    truth = dict(enumerate(values))
    same = ranking_quality(truth, truth, baseline={k: -v for k, v in truth.items()}, k=2)
    assert same["kendall_tau"] == pytest.approx(1.0) and same["precision_at_k"] == 1.0
    assert same["baseline_kendall_tau"] == pytest.approx(-1.0)
    assert 0.0 <= precision_at_k({k: -v for k, v in truth.items()}, truth, 2) <= 1.0


def test_ranking_quality_rejects_a_k_out_of_range() -> None:
    with pytest.raises(tc.ConfigError, match="k in"):
        ranking_quality({1: 0.1, 2: 0.2}, {1: 0.1, 2: 0.3}, k=3)


@pytest.mark.parametrize("name", ['tiaocan.nas.supernet', 'tiaocan.nas.ranking'])
def test_docstring_examples(name: str) -> None:
    import doctest
    import importlib

    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


def test_fair_sampling_trains_every_op_of_every_edge_on_each_batch() -> None:
    net = Supernet(tc.nas.cell_space(3, ["skip_connect", "conv_1x1", "conv_3x3"]), channels=4)
    before = {n: p.detach().clone() for n, p in net.net.named_parameters()}
    net.train(epochs=1, seed=0, sampling="fair", batch_size=2048)  # one batch, one step
    moved = {n for n, p in net.net.named_parameters() if not torch_equal(p, before[n])}
    assert {n for n in before if ".ops." in n} <= moved
    with pytest.raises(tc.ConfigError, match="sampling must be"):
        net.train(epochs=1, sampling="greedy")
    with pytest.raises(tc.ConfigError, match="schedule must be 'cosine' or 'constant'"):
        net.train(epochs=1, schedule="step")


def test_the_loss_proxy_is_minus_the_validation_cross_entropy(trained) -> None:
    import torch

    path = trained.recalibrate(A)
    path.eval()
    with torch.no_grad():
        loss = torch.nn.functional.cross_entropy(path(trained.split.x_valid), trained.split.y_valid)
    assert trained.evaluate(A, metric="nll") == pytest.approx(-float(loss), rel=1e-5)
    with pytest.raises(tc.ConfigError, match="metric must be 'accuracy' or 'nll'"):
        trained.evaluate(A, metric="f1")
    with pytest.raises(tc.ConfigError, match="metric must be 'accuracy' or 'nll'"):
        oneshot_search(tc.nas.cell_space(3, OPS), supernet=trained, metric="f1")


def test_recalibration_sees_the_whole_training_set_by_default(trained) -> None:
    n_batches = -(-len(trained.split.y_train) // 256)
    trained.recalibrate(A)
    assert int(trained.net.stem[1].num_batches_tracked) == n_batches
    trained.recalibrate(A, n_batches=1)
    assert int(trained.net.stem[1].num_batches_tracked) == 1


def torch_equal(a, b) -> bool:
    import torch

    return bool(torch.equal(a.detach(), b))


def test_retraining_for_one_epoch_needs_no_fidelity() -> None:
    from tiaocan.nas.supernet import retrain

    study = retrain(tc.nas.cell_space(3, OPS), [A, B], epochs=1, channels=4)
    assert [dict(t.params) for t in study.trials] == [A, B]
    assert all(t.state is tc.TrialState.COMPLETE and len(t.reports) == 1 for t in study.trials)
