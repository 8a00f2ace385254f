"""tl.optim.lr_scheduler against torch.optim.lr_scheduler: the learning rates (and
OneCycleLR's momentum) of every group after every step are the same Python floats
(the schedules are plain float arithmetic in the same order, so equality is exact),
state dicts hold the same keys and resume identically."""

from __future__ import annotations

import copy
import warnings

import pytest

import tensorlite as tl

torch = pytest.importorskip("torch")

STEPS = 30


def _sgd(lib, momentum=0.9):
    groups = [{"params": [lib.nn.Parameter(lib.zeros(2))], "lr": 0.1},
              {"params": [lib.nn.Parameter(lib.zeros(2))], "lr": 0.01}]
    return lib.optim.SGD(groups, lr=0.1, momentum=momentum)


def _adam(lib):
    return lib.optim.Adam([lib.nn.Parameter(lib.zeros(2))], lr=0.1)


def _warmup_then_cosine(lib, opt):
    s = lib.optim.lr_scheduler
    return s.SequentialLR(opt, [s.LinearLR(opt, start_factor=0.1, total_iters=4),
                                s.CosineAnnealingLR(opt, T_max=10, eta_min=1e-3)],
                          milestones=[5])


def _three_schedulers(lib, opt):
    s = lib.optim.lr_scheduler
    return s.SequentialLR(opt, [s.ExponentialLR(opt, gamma=0.8), s.StepLR(opt, 3, 0.5),
                                s.LinearLR(opt, 0.5)],
                          milestones=[4, 12])


CASES = {
    "LambdaLR": (_sgd, lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, lambda e: 0.95 ** e)),
    "LambdaLR-per-group": (_sgd, lambda lib, o: lib.optim.lr_scheduler.LambdaLR(
        o, [lambda e: 1 / (1 + e), lambda e: 0.9 ** (e // 2)])),
    "StepLR": (_sgd, lambda lib, o: lib.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    "MultiStepLR": (_sgd, lambda lib, o: lib.optim.lr_scheduler.MultiStepLR(
        o, milestones=[2, 5, 5, 9], gamma=0.3)),
    "ExponentialLR": (_sgd, lambda lib, o: lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
    "CosineAnnealingLR": (_sgd, lambda lib, o: lib.optim.lr_scheduler.CosineAnnealingLR(
        o, T_max=7, eta_min=1e-3)),  # 30 steps: down, back up, down again
    "LinearLR": (_sgd, lambda lib, o: lib.optim.lr_scheduler.LinearLR(
        o, start_factor=0.25, end_factor=0.9, total_iters=6)),
    "SequentialLR": (_sgd, _warmup_then_cosine),
    "SequentialLR-3": (_sgd, _three_schedulers),
    "OneCycleLR": (_sgd, lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=[1.0, 0.5], total_steps=STEPS + 1)),
    "OneCycleLR-adam-linear-3phase": (_adam, lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(
        o, max_lr=0.3, epochs=3, steps_per_epoch=11, anneal_strategy="linear",
        three_phase=True)),
    "chained": (_sgd, lambda lib, o: [lib.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
                                      lib.optim.lr_scheduler.StepLR(o, 4, 0.5)]),
}


def _schedule(lib, case):
    make_opt, make_sched = CASES[case]
    opt = make_opt(lib)
    scheds = make_sched(lib, opt)
    return opt, scheds if isinstance(scheds, list) else [scheds]


def _record(opt, scheds):
    opt.step()
    for s in scheds:
        s.step()
    momenta = [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]
    return [s.get_last_lr() for s in scheds], momenta


@pytest.mark.parametrize("case", CASES)
def test_schedule_matches_torch(case):
    ours, theirs = _schedule(tl, case), _schedule(torch, case)
    assert [s.get_last_lr() for s in ours[1]] == [s.get_last_lr() for s in theirs[1]]
    for _ in range(STEPS):
        assert _record(*ours) == _record(*theirs)
    assert [g["lr"] for g in ours[0].param_groups] == [g["lr"] for g in theirs[0].param_groups]


def test_negative_control_detects_a_different_schedule():
    ours = _schedule(tl, "StepLR")
    theirs = _sgd(torch), None
    theirs = theirs[0], [torch.optim.lr_scheduler.StepLR(theirs[0], step_size=4, gamma=0.5)]
    assert [_record(*ours) for _ in range(8)] != [_record(*theirs) for _ in range(8)]


@pytest.mark.parametrize("case", ["StepLR", "CosineAnnealingLR", "LinearLR", "SequentialLR",
                                  "OneCycleLR", "MultiStepLR", "LambdaLR"])
def test_state_dict_matches_torch_and_resumes(case):
    """After 10 steps: the same state-dict keys as PyTorch; a new scheduler on a new
    optimizer, both loaded from state dicts, continues with PyTorch's rates."""
    ours, theirs = _schedule(tl, case), _schedule(torch, case)
    for _ in range(10):
        _record(*ours)
        _record(*theirs)
    state, expected = ours[1][0].state_dict(), theirs[1][0].state_dict()
    assert set(state) == set(expected)
    if case == "SequentialLR":
        assert [set(s) for s in state["_schedulers"]] == [set(s) for s in expected["_schedulers"]]
    state = copy.deepcopy(state)
    opt_state = ours[0].state_dict()
    resumed = _schedule(tl, case)
    resumed[0].load_state_dict(opt_state)
    resumed[1][0].load_state_dict(state)
    assert resumed[1][0].last_epoch == theirs[1][0].last_epoch
    for _ in range(10):
        assert _record(*resumed) == _record(*theirs)


def test_step_order_warning_as_torch():
    opt = _sgd(tl)
    sched = tl.optim.lr_scheduler.StepLR(opt, 2)
    with pytest.warns(UserWarning, match=r"before `optimizer.step\(\)`"):
        sched.step()
    opt2 = _sgd(tl)
    sched2 = tl.optim.lr_scheduler.StepLR(opt2, 2)
    opt2.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched2.step()


def test_errors_match_torch():
    for build in (lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, start_factor=0),
                  lambda lib, o: lib.optim.lr_scheduler.LinearLR(o, end_factor=2),
                  lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 1.0),
                  lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 1.0, total_steps=0),
                  lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, 1.0, 10, pct_start=2.0),
                  lambda lib, o: lib.optim.lr_scheduler.OneCycleLR(o, [1.0], 10),
                  lambda lib, o: lib.optim.lr_scheduler.LambdaLR(o, [lambda e: 1.0]),
                  lambda lib, o: lib.optim.lr_scheduler.SequentialLR(
                      o, [lib.optim.lr_scheduler.StepLR(o, 2)], milestones=[3])):
        with pytest.raises(ValueError) as theirs:
            build(torch, _sgd(torch))
        with pytest.raises(ValueError) as ours:
            build(tl, _sgd(tl))
        assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError, match="is not an Optimizer"):
        tl.optim.lr_scheduler.StepLR(object(), 2)
    with pytest.raises(ValueError, match="Tried to step 3 times"):
        opt = _sgd(tl)
        sched = tl.optim.lr_scheduler.OneCycleLR(opt, 1.0, total_steps=2)
        for _ in range(3):
            opt.step()
            sched.step()
    with pytest.raises(KeyError, match="initial_lr"):
        tl.optim.lr_scheduler.StepLR(_sgd(tl), 2, last_epoch=3)
