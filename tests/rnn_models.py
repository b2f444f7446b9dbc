"""Small recurrent-builtin models (tests/tflite_builder.py): UNIDIRECTIONAL_SEQUENCE_LSTM,
UNIDIRECTIONAL_SEQUENCE_RNN and SVDF with their optional inputs (CIFG, peephole,
projection, layer norm) and their state as TFLite variable tensors.

Weights are float32, or int8 with one scale (`hybrid=True`: the dynamic-range
form LiteRT runs with its hybrid kernels)."""

from __future__ import annotations

import numpy as np

from tflite_builder import Op, T, build_model


def _r(shape, seed, scale=0.5):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(np.float32)


def _w(name, shape, seed, hybrid, scale=0.5):
    """A constant weight: float, or symmetric int8 with a per-tensor scale."""
    v = _r(shape, seed, scale)
    if not hybrid:
        return T(name, list(shape), data=v)
    s = float(np.abs(v).max()) / 127.0
    q = np.clip(np.round(v / s), -127, 127).astype(np.int8)
    return T(name, list(shape), "i8", data=q, scale=s, zero_point=0)


def lstm_model(batch=2, time=3, n_in=4, n_cell=5, n_out=None, *, cifg=False, peephole=False,
               projection=False, proj_bias=False, layer_norm=False, time_major=False, activation="tanh",
               cell_clip=0.0, proj_clip=0.0, hybrid=False, asymmetric=False, seed=0, step=False) -> bytes:
    """UNIDIRECTIONAL_SEQUENCE_LSTM; n_out defaults to n_cell (n_out != n_cell needs projection).
    step=True: the LSTM op instead (one time step, x [batch, n_in], `time` ignored)."""
    n_out = n_out or n_cell
    s = iter(range(seed * 100, seed * 100 + 100))
    ts: list[T] = []
    names: list[str | None] = []

    def add(t: T | None) -> None:
        if t is None:
            names.append(None)
        else:
            ts.append(t)
            names.append(t.name)

    xs = [batch, n_in] if step else [time, batch, n_in] if time_major else [batch, time, n_in]
    add(T("x", xs))
    for g in "ifco":                                       # input_to_{input,forget,cell,output}
        add(None if (g == "i" and cifg) else _w(f"w_x{g}", [n_cell, n_in], next(s), hybrid))
    for g in "ifco":                                       # recurrent_to_*
        add(None if (g == "i" and cifg) else _w(f"w_h{g}", [n_cell, n_out], next(s), hybrid))
    for g in "ifo":                                        # cell_to_* (peephole)
        add(_w(f"w_c{g}", [n_cell], next(s), hybrid) if peephole and not (g == "i" and cifg) else None)
    for g in "ifco":                                       # gate biases (float)
        add(None if (g == "i" and cifg) else T(f"b_{g}", [n_cell], data=_r([n_cell], next(s), 0.3)))
    add(_w("w_proj", [n_out, n_cell], next(s), hybrid) if projection else None)
    add(T("b_proj", [n_out], data=_r([n_out], next(s), 0.2)) if projection and proj_bias else None)
    add(T("h_state", [batch, n_out], is_variable=True))
    add(T("c_state", [batch, n_cell], is_variable=True))
    for g in "ifco":                                       # layer-norm coefficients
        add(T(f"ln_{g}", [n_cell], data=1.0 + _r([n_cell], next(s), 0.2))
            if layer_norm and not (g == "i" and cifg) else None)
    ys = [batch, n_out] if step else [time, batch, n_out] if time_major else [batch, time, n_out]
    ts.append(T("y", ys))
    opts = dict(activation=activation, cell_clip=cell_clip, proj_clip=proj_clip, time_major=time_major,
                asymmetric_quantize_inputs=asymmetric)
    if step:
        del opts["time_major"]
        return build_model(ops=[Op("LSTM", names, ["y"], options=opts, version=4 if hybrid else 1)],
                           tensors=ts, inputs=["x"], outputs=["y"])
    return build_model(ops=[Op("UNIDIRECTIONAL_SEQUENCE_LSTM", names, ["y"], options=opts,
                               version=3 if hybrid else 1)],
                       tensors=ts, inputs=["x"], outputs=["y"])


def bidi_lstm_model(batch=2, time=3, n_in=4, cells=(5, 5), outs=(None, None), *, cifg=(False, False),
                    peephole=(False, False), time_major=True, merge=False, cell_clip=0.0, proj_clip=0.0,
                    activation="tanh", seed=0) -> bytes:
    """BIDIRECTIONAL_SEQUENCE_LSTM without auxiliary input (TFLite's default is
    time-major); per direction its cells, projection width (None = none),
    CIFG and peephole."""
    s = iter(range(seed * 100, seed * 100 + 200))
    ts: list[T] = []
    names: list[str | None] = []

    def add(t: T | None) -> None:
        names.append(None if t is None else t.name)
        if t is not None:
            ts.append(t)

    xs = [time, batch, n_in] if time_major else [batch, time, n_in]
    add(T("x", xs))
    widths = []
    for d, c, o, cf, pe in zip(("fw", "bw"), cells, outs, cifg, peephole):
        width = o or c
        widths.append(width)
        for g in "ifco":
            add(None if (g == "i" and cf) else T(f"{d}_wx{g}", [c, n_in], data=_r([c, n_in], next(s))))
        for g in "ifco":
            add(None if (g == "i" and cf) else T(f"{d}_wh{g}", [c, width], data=_r([c, width], next(s))))
        for g in "ifo":
            add(T(f"{d}_wc{g}", [c], data=_r([c], next(s))) if pe and not (g == "i" and cf) else None)
        for g in "ifco":
            add(None if (g == "i" and cf) else T(f"{d}_b{g}", [c], data=_r([c], next(s), 0.3)))
        add(T(f"{d}_wp", [width, c], data=_r([width, c], next(s))) if o else None)
        add(T(f"{d}_bp", [width], data=_r([width], next(s), 0.2)) if o else None)
    for d, c, width in zip(("fw", "bw"), cells, widths):
        add(T(f"{d}_h", [batch, width], is_variable=True))
        add(T(f"{d}_c", [batch, c], is_variable=True))
    names += [None] * 9                                    # no auxiliary input
    lead = xs[:-1]
    out_names = ["y"] if merge else ["y_fw", "y_bw"]
    ts += [T("y", lead + [sum(widths)])] if merge else [T("y_fw", lead + [widths[0]]), T("y_bw", lead + [widths[1]])]
    opts = dict(activation=activation, cell_clip=cell_clip, proj_clip=proj_clip, merge_outputs=merge,
                time_major=time_major)
    return build_model(ops=[Op("BIDIRECTIONAL_SEQUENCE_LSTM", names, out_names, options=opts)],
                       tensors=ts, inputs=["x"], outputs=out_names)


def rnn_model(batch=2, time=3, n_in=4, units=5, *, time_major=False, activation="tanh", bias=True,
              hybrid=False, asymmetric=False, seed=0) -> bytes:
    """UNIDIRECTIONAL_SEQUENCE_RNN: h = act(W x + R h + b) per step."""
    xs = [time, batch, n_in] if time_major else [batch, time, n_in]
    ys = [time, batch, units] if time_major else [batch, time, units]
    ts = [T("x", xs), _w("w", [units, n_in], seed + 1, hybrid), _w("r", [units, units], seed + 2, hybrid, 0.3),
          T("b", [units], data=_r([units], seed + 3, 0.3)), T("h", [batch, units], is_variable=True), T("y", ys)]
    opts = dict(time_major=time_major, activation=activation, asymmetric_quantize_inputs=asymmetric)
    return build_model(ops=[Op("UNIDIRECTIONAL_SEQUENCE_RNN", ["x", "w", "r", "b" if bias else None, "h"], ["y"],
                               options=opts, version=2 if hybrid else 1)],
                       tensors=ts, inputs=["x"], outputs=["y"])


def bidi_rnn_model(batch=2, time=3, n_in=4, fw_units=5, bw_units=3, *, time_major=False, merge=False,
                   activation="tanh", seed=0) -> bytes:
    """BIDIRECTIONAL_SEQUENCE_RNN without auxiliary input; one output per
    direction, or one [..., fw+bw] with merge."""
    xs = [time, batch, n_in] if time_major else [batch, time, n_in]
    lead = xs[:-1]
    ts = [T("x", xs)]
    names: list[str | None] = ["x"]
    for d, u in (("fw", fw_units), ("bw", bw_units)):
        ts += [T(f"{d}_w", [u, n_in], data=_r([u, n_in], seed + 1)), T(f"{d}_r", [u, u], data=_r([u, u], seed + 2, 0.3)),
               T(f"{d}_b", [u], data=_r([u], seed + 3, 0.3)), T(f"{d}_h", [batch, u], is_variable=True)]
        names += [f"{d}_w", f"{d}_r", f"{d}_b", f"{d}_h"]
        seed += 10
    outs = ["y"] if merge else ["y_fw", "y_bw"]
    ts += [T("y", lead + [fw_units + bw_units])] if merge else [T("y_fw", lead + [fw_units]), T("y_bw", lead + [bw_units])]
    opts = dict(time_major=time_major, activation=activation, merge_outputs=merge)
    return build_model(ops=[Op("BIDIRECTIONAL_SEQUENCE_RNN", names + [None, None, None], outs, options=opts)],
                       tensors=ts, inputs=["x"], outputs=outs)


def svdf_model(batch=2, n_in=4, units=3, rank=2, memory=5, *, activation="relu", bias=True, hybrid=False,
               asymmetric=False, steps=1, seed=0, rank_attr=None) -> bytes:
    """SVDF; steps > 1 chains that many SVDF ops over one shared state (each
    op one time step of the same layer, inputs x0..x<steps-1>); rank_attr
    writes another rank into the options than the weights were made for."""
    filters = units * rank
    ts = [_w("wf", [filters, n_in], seed + 1, hybrid), _w("wt", [filters, memory], seed + 2, hybrid),
          T("b", [units], data=_r([units], seed + 3, 0.3)), T("state", [batch, filters * memory], is_variable=True)]
    ops = []
    for i in range(steps):
        ts += [T(f"x{i}", [batch, n_in]), T(f"y{i}", [batch, units])]
        ops.append(Op("SVDF", [f"x{i}", "wf", "wt", "b" if bias else None, "state"], [f"y{i}"],
                      options=dict(rank=rank if rank_attr is None else rank_attr, activation=activation, asymmetric_quantize_inputs=asymmetric),
                      version=3 if hybrid else 1))
    return build_model(ops=ops, tensors=ts, inputs=[f"x{i}" for i in range(steps)],
                       outputs=[f"y{i}" for i in range(steps)])


def small_recurrent_models() -> dict[str, bytes]:
    """One small model per recurrent kernel (the fuzz corpus and the hostile tests edit them)."""
    return {
        "lstm": lstm_model(peephole=True, projection=True, proj_bias=True, layer_norm=True, n_out=3,
                           cell_clip=2.0, proj_clip=1.0, seed=1),
        "lstm_cifg": lstm_model(cifg=True, time_major=True, seed=2),
        "lstm_step": lstm_model(step=True, peephole=True, layer_norm=True, seed=10),
        "rnn": rnn_model(seed=3),
        "birnn": bidi_rnn_model(seed=8),
        "bilstm": bidi_lstm_model(outs=(3, 3), peephole=(True, False), cifg=(False, True), cell_clip=1.0, seed=11),
        "bilstm_merged": bidi_lstm_model(merge=True, seed=12),
        "birnn_merged": bidi_rnn_model(merge=True, time_major=True, seed=9),
        "svdf": svdf_model(steps=2, seed=4),
        "lstm_f32i8": lstm_model(peephole=True, projection=True, proj_bias=True, layer_norm=True, n_out=3,
                                 hybrid=True, asymmetric=True, seed=7),
        "rnn_f32i8": rnn_model(hybrid=True, asymmetric=True, seed=5),
        "svdf_f32i8": svdf_model(steps=2, hybrid=True, seed=6),
    }
