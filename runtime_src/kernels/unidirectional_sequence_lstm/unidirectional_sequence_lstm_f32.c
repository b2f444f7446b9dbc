/* unidirectional_sequence_lstm.f32: TFLite's LSTM cell over every step of
 * x [B,T,I] (time_major: [T,B,I]); y holds each step's output [O].
 * Inputs in TFLite's order (24): weights from x [C,I] and from h [C,O] for
 * the gates i, f, c, o; peephole vectors [C]; biases [C]; projection [O,C]
 * and its bias [O]; the states h [B,O] and c [B,C] (absent = zeros, see
 * shared/recurrent.h); layer-norm coefficients [C]. CIFG (coupled input and
 * forget gate: no input-gate tensors) uses i = 1 - f. Without projection
 * O = C. Per step and batch row (LiteRT's LstmStepFloat):
 *   gate = bias + Wx x + Wh h (+ peephole * c_prev for i, f);
 *   with layer norm: gate = ln * normalize(Wx x + Wh h [+ peephole]) + bias;
 *   i, f = sigmoid; g = act(cell gate); c = f c + i g, clipped to cell_clip;
 *   o = sigmoid(gate + peephole * c); h = o act(c); with projection
 *   h = clip(P h + bp, proj_clip). Clips of 0 mean none.
 * Scratch: 5*C floats, the four gates and the projection's input. */
#include "../shared/recurrent.h"

#define SELRT_LSTM_F32_IP(name) n->ip[SELRT_unidirectional_sequence_lstm_f32_IP_##name]
#define SELRT_LSTM_F32_FP(name) n->fp[SELRT_unidirectional_sequence_lstm_f32_FP_##name]

selrt_status selrt_unidirectional_sequence_lstm_f32_check(const selrt_program *p, const selrt_node *n) {
  selrt_shared_lstm_dims d;
  const selrt_status st = selrt_shared_lstm_check(p, n, SELRT_F32, SELRT_LSTM_F32_IP(time_major),
                                                  SELRT_LSTM_F32_IP(activation), SELRT_LSTM_F32_FP(cell_clip),
                                                  SELRT_LSTM_F32_FP(proj_clip), &d, SELRT_SHARED_LSTM_UNI);
  if (st != SELRT_OK) return st;
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 3), 5 * d.C)) return SELRT_REJECT(p, "scratch is not % floats", 5 * d.C, 0);
  return SELRT_OK;
}

selrt_status selrt_unidirectional_sequence_lstm_f32_run(selrt_session *s, const selrt_node *n) {
  selrt_shared_lstm_f32_run(s, n, SELRT_LSTM_F32_IP(time_major), SELRT_LSTM_F32_IP(activation),
                            SELRT_LSTM_F32_FP(cell_clip), SELRT_LSTM_F32_FP(proj_clip), SELRT_SHARED_LSTM_UNI,
                            (float *)selrt_out(s, n, 0)->data, 0);
  return SELRT_OK;
}

SELRT_KERNEL(unidirectional_sequence_lstm_f32, "unidirectional_sequence_lstm.f32");
