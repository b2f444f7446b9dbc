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
                                                  SELRT_LSTM_F32_FP(proj_clip), &d);
  if (st != SELRT_OK) return st;
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 3), 5 * d.C)) return SELRT_REJECT(p, "scratch is not % floats", 5 * d.C, 0);
  return SELRT_OK;
}

static const float *selrt_unidirectional_sequence_lstm_f32_f(selrt_session *s, const selrt_node *n, uint32_t i) {
  const selrt_tensor *t = selrt_in(s, n, i);
  return t ? (const float *)t->data : (const float *)0;
}

selrt_status selrt_unidirectional_sequence_lstm_f32_run(selrt_session *s, const selrt_node *n) {
#define IN(i) selrt_unidirectional_sequence_lstm_f32_f(s, n, (i))
  const selrt_tensor *xt = selrt_in(s, n, SELRT_LSTM_X), *wpt = selrt_in(s, n, SELRT_LSTM_WP);
  const int32_t tm = SELRT_LSTM_F32_IP(time_major);
  const size_t B = (size_t)xt->dims[tm ? 1 : 0], T = (size_t)xt->dims[tm ? 0 : 1], I = (size_t)xt->dims[2];
  const size_t C = (size_t)selrt_in(s, n, SELRT_LSTM_WX + 1)->dims[0];
  const size_t O = wpt ? (size_t)wpt->dims[0] : C;
  const float *wp = IN(SELRT_LSTM_WP), *bp = IN(SELRT_LSTM_BP), *x = (const float *)xt->data;
  const float pclip = SELRT_LSTM_F32_FP(proj_clip);
  selrt_shared_lstm_cell L;
  L.C = C, L.cifg = IN(SELRT_LSTM_WX) == 0, L.layer_norm = IN(SELRT_LSTM_LN + 1) != 0;
  L.act = SELRT_LSTM_F32_IP(activation), L.cell_clip = SELRT_LSTM_F32_FP(cell_clip);
  for (uint32_t g = 0; g < 4; g++) {
    L.bias[g] = IN(SELRT_LSTM_BIAS + g), L.ln[g] = IN(SELRT_LSTM_LN + g);
    L.peephole[g] = g == 2 ? (const float *)0 : IN(SELRT_LSTM_WC + (g == 3 ? 2 : g));
  }
  float *y = (float *)selrt_out(s, n, 0)->data;
  float *h = (float *)selrt_out(s, n, 1)->data, *c = (float *)selrt_out(s, n, 2)->data;
  float *gate = (float *)selrt_out(s, n, 3)->data, *hc = gate + 4 * C;
  selrt_shared_rnn_state_init(h, IN(SELRT_LSTM_HS), B * O);
  selrt_shared_rnn_state_init(c, IN(SELRT_LSTM_CS), B * C);
  for (size_t t = 0; t < T; t++) {
    for (size_t b = 0; b < B; b++) {
      const size_t row = tm ? t * B + b : b * T + t;
      const float *xr = x + row * I;
      float *hb = h + b * O, *yr = y + row * O;
      for (uint32_t g = L.cifg ? 1 : 0; g < 4; g++) {
        const float *wx = IN(SELRT_LSTM_WX + g), *wh = IN(SELRT_LSTM_WH + g);
        float *v = gate + g * C;
        for (size_t k = 0; k < C; k++) {
          float a = L.layer_norm ? 0.0f : L.bias[g][k];
          a += selrt_shared_rnn_dot(wx + k * I, xr, I);
          v[k] = a + selrt_shared_rnn_dot(wh + k * O, hb, O);
        }
      }
      selrt_shared_lstm_cell_step(&L, gate, c + b * C, hc);
      if (wp) {
        for (size_t o = 0; o < O; o++)
          yr[o] = selrt_shared_rnn_clip((bp ? bp[o] : 0.0f) + selrt_shared_rnn_dot(wp + o * C, hc, C), pclip);
      } else {
        for (size_t k = 0; k < C; k++) yr[k] = hc[k];
      }
      for (size_t o = 0; o < O; o++) hb[o] = yr[o];
    }
  }
  return SELRT_OK;
#undef IN
}

SELRT_KERNEL(unidirectional_sequence_lstm_f32, "unidirectional_sequence_lstm.f32");
