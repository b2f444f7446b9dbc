/* Shared by the recurrent kernels, see recurrent.h. */
#include "recurrent.h"

#include <math.h>
#include <string.h>

selrt_status selrt_shared_rnn_act_check(const selrt_program *p, int32_t act) {
  if (act < 0 || act > SELRT_SHARED_RNN_ACT_TANH) return SELRT_REJECT(p, "activation code % is not 0..%", act, 4);
  return SELRT_OK;
}

int selrt_shared_rnn_is_f32(const selrt_tensor *t, int32_t rank, uint64_t d0, uint64_t d1) {
  if (!t || t->dtype != SELRT_F32 || t->rank != rank || (uint64_t)t->dims[0] != d0) return 0;
  return rank == 1 || (uint64_t)t->dims[1] == d1;
}

int selrt_shared_rnn_f32_count(const selrt_tensor *t, uint64_t count) {
  return t && t->dtype == SELRT_F32 && (uint64_t)selrt_numel(t) == count;
}

void selrt_shared_rnn_state_init(float *dst, const float *src, size_t n) {
  if (src) {
    memcpy(dst, src, n * sizeof(float));
  } else {
    for (size_t i = 0; i < n; i++) dst[i] = 0.0f;
  }
}

float selrt_shared_rnn_dot(const float *a, const float *b, size_t n) {
  float acc = 0.0f;
  for (size_t k = 0; k < n; k++) acc += a[k] * b[k];
  return acc;
}

float selrt_shared_rnn_sigmoid(float v) { return 1.0f / (1.0f + expf(-v)); }

float selrt_shared_rnn_act(int32_t act, float v) {
  switch (act) {
    case 1: return v < 0.0f ? 0.0f : v;
    case 2: return v < -1.0f ? -1.0f : (v > 1.0f ? 1.0f : v);
    case 3: return v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);
    case SELRT_SHARED_RNN_ACT_TANH: return tanhf(v);
    default: return v;
  }
}

float selrt_shared_rnn_clip(float v, float clip) {
  if (clip > 0.0f) v = v < -clip ? -clip : (v > clip ? clip : v);
  return v;
}

/* Operand and output positions of the LSTM kernels by layout (recurrent.h):
 * k is the unidirectional position. The bidirectional op has no layer norm:
 * those positions map past its inputs, where selrt_pin gives NULL. */
static uint32_t selrt_shared_lstm_in(int layout, uint32_t k) {
  if (layout == SELRT_SHARED_LSTM_UNI || k == SELRT_LSTM_X) return k;
  if (k >= SELRT_LSTM_LN) return 255;
  if (k == SELRT_LSTM_HS || k == SELRT_LSTM_CS) return 35 + (k - SELRT_LSTM_HS) + (layout == SELRT_SHARED_LSTM_BW ? 2 : 0);
  return k + (layout == SELRT_SHARED_LSTM_BW ? 17 : 0);
}

/* outputs: uni [y, h, c, scratch]; bidirectional [y_fw, y_bw, h_fw, c_fw, h_bw, c_bw, scratch] */
static uint32_t selrt_shared_lstm_out(int layout, uint32_t k) {
  if (layout == SELRT_SHARED_LSTM_UNI) return k;
  return k == 3 ? 6 : 2 * (uint32_t)(layout == SELRT_SHARED_LSTM_BW) + 1 + k;
}

static int selrt_shared_lstm_is(const selrt_tensor *t, selrt_dtype dt, int32_t rank, uint64_t d0, uint64_t d1) {
  if (!t || t->dtype != dt || t->rank != rank || (uint64_t)t->dims[0] != d0) return 0;
  return rank == 1 || (uint64_t)t->dims[1] == d1;
}

selrt_status selrt_shared_lstm_check(const selrt_program *p, const selrt_node *n, selrt_dtype wdt, int32_t tm,
                                     int32_t act, float cclip, float pclip, selrt_shared_lstm_dims *d,
                                     int layout) {
  const selrt_tensor *x = selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_X)), *wxf = selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_WX + 1));
  const selrt_tensor *wp = selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_WP)), *bp = selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_BP));
  const int step = tm == SELRT_SHARED_LSTM_ONE_STEP;
  if (!step && tm != 0 && tm != 1) return SELRT_REJECT(p, "time_major % is not 0 or 1", tm, 0);
  if (selrt_shared_rnn_act_check(p, act) != SELRT_OK) return SELRT_ERR_UNSUPPORTED;
  if (!(cclip >= 0.0f && cclip <= 3.4e38f) || !(pclip >= 0.0f && pclip <= 3.4e38f))
    return SELRT_REJECT(p, "clips must be finite and >= 0", 0, 0);
  if (x->dtype != SELRT_F32 || x->rank != (step ? 2 : 3)) return SELRT_REJECT(p, "input rank % is not %", x->rank, step ? 2 : 3);
  const uint64_t B = (uint64_t)x->dims[tm == 1 ? 1 : 0], T = step ? 1 : (uint64_t)x->dims[tm ? 0 : 1];
  const uint64_t I = (uint64_t)x->dims[x->rank - 1];
  if (wxf->rank != 2) return SELRT_REJECT(p, "input-to-forget weights rank % is not 2", wxf->rank, 0);
  const uint64_t C = (uint64_t)wxf->dims[0];
  const uint64_t O = wp ? (uint64_t)wp->dims[0] : C;
  if (wp && !selrt_shared_lstm_is(wp, wdt, 2, O, C)) return SELRT_REJECT(p, "projection is not [%, %]", O, C);
  if (!wp && bp) return SELRT_REJECT(p, "projection bias without projection weights", 0, 0);
  if (bp && !selrt_shared_lstm_is(bp, SELRT_F32, 1, O, 0)) return SELRT_REJECT(p, "projection bias is not [%]", O, 0);
  const int cifg = selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_WX)) == 0;
  const int peep = selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_WC + 1)) != 0, ln = selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_LN + 1)) != 0;
  for (uint32_t g = 0; g < 4; g++) {
    const int has = !(cifg && g == 0);
    const selrt_tensor *pc = g == 2 ? (const selrt_tensor *)0 : selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_WC + (g == 3 ? 2 : g)));
    /* the input gate's tensors are there exactly when the others' are (no CIFG) */
    if ((selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_WX + g)) != 0) != has || (selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_WH + g)) != 0) != has ||
        (selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_BIAS + g)) != 0) != has || (selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_LN + g)) != 0) != (has && ln))
      return SELRT_REJECT(p, "gate % has an incomplete set of tensors (cifg %)", g, cifg);
    if (g != 2 && (pc != 0) != (has && peep))
      return SELRT_REJECT(p, "gate % has an incomplete set of peephole tensors (cifg %)", g, cifg);
    if (!has) continue;
    if (!selrt_shared_lstm_is(selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_WX + g)), wdt, 2, C, I))
      return SELRT_REJECT(p, "input weights of gate % are not [C, %]", g, I);
    if (!selrt_shared_lstm_is(selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_WH + g)), wdt, 2, C, O))
      return SELRT_REJECT(p, "recurrent weights of gate % are not [C, %]", g, O);
    if (!selrt_shared_lstm_is(selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_BIAS + g)), SELRT_F32, 1, C, 0))
      return SELRT_REJECT(p, "bias of gate % is not [%]", g, C);
    if (ln && !selrt_shared_lstm_is(selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_LN + g)), SELRT_F32, 1, C, 0))
      return SELRT_REJECT(p, "layer-norm coefficients of gate % are not [%]", g, C);
    if (pc && !selrt_shared_lstm_is(pc, wdt, 1, C, 0)) return SELRT_REJECT(p, "peephole of gate % is not [%]", g, C);
  }
  if (selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_HS)) && !selrt_shared_rnn_f32_count(selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_HS)), B * O))
    return SELRT_REJECT(p, "output state in is not % floats", B * O, 0);
  if (selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_CS)) && !selrt_shared_rnn_f32_count(selrt_pin(p, n, selrt_shared_lstm_in(layout, SELRT_LSTM_CS)), B * C))
    return SELRT_REJECT(p, "cell state in is not % floats", B * C, 0);
  if (layout == SELRT_SHARED_LSTM_UNI && !selrt_shared_rnn_f32_count(selrt_pout(p, n, 0), B * T * O))
    return SELRT_REJECT(p, "output is not % floats", B * T * O, 0);
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, selrt_shared_lstm_out(layout, 1)), B * O))
    return SELRT_REJECT(p, "output state out is not % floats", B * O, 0);
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, selrt_shared_lstm_out(layout, 2)), B * C))
    return SELRT_REJECT(p, "cell state out is not % floats", B * C, 0);
  d->B = B, d->T = T, d->I = I, d->C = C, d->O = O;
  d->cifg = cifg, d->peephole = peep, d->layer_norm = ln;
  return SELRT_OK;
}

/* x - mean over c, times 1/sqrt(variance + 1e-8) (LiteRT's MeanStddevNormalization). */
static void selrt_shared_lstm_norm(float *v, size_t c) {
  float sum = 0.0f, sq = 0.0f;
  for (size_t k = 0; k < c; k++) sum += v[k];
  const float mean = sum / (float)c;
  for (size_t k = 0; k < c; k++) sq += (v[k] - mean) * (v[k] - mean);
  const float inv = 1.0f / sqrtf(sq / (float)c + 1e-8f);
  for (size_t k = 0; k < c; k++) v[k] = (v[k] - mean) * inv;
}

/* A gate's peephole and layer norm (LiteRT's CalculateLstmGate order). */
static void selrt_shared_lstm_finish_gate(const selrt_shared_lstm_cell *L, uint32_t g, float *v, const float *c) {
  const size_t C = L->C;
  if (L->peephole[g])
    for (size_t k = 0; k < C; k++) v[k] += L->peephole[g][k] * c[k];
  if (L->layer_norm) {
    selrt_shared_lstm_norm(v, C);
    for (size_t k = 0; k < C; k++) v[k] = v[k] * L->ln[g][k] + L->bias[g][k];
  }
}

void selrt_shared_lstm_cell_step(const selrt_shared_lstm_cell *L, float *gate, float *c, float *hc) {
  const size_t C = L->C;
  float *gi = gate, *gf = gate + C, *gc = gate + 2 * C, *go = gate + 3 * C;
  for (uint32_t g = L->cifg ? 1 : 0; g < 3; g++) selrt_shared_lstm_finish_gate(L, g, gate + g * C, c);
  for (size_t k = 0; k < C; k++) {
    const float f = selrt_shared_rnn_sigmoid(gf[k]);
    const float i = L->cifg ? 1.0f - f : selrt_shared_rnn_sigmoid(gi[k]);
    c[k] = selrt_shared_rnn_clip(f * c[k] + i * selrt_shared_rnn_act(L->act, gc[k]), L->cell_clip);
  }
  selrt_shared_lstm_finish_gate(L, 3, go, c); /* the output gate's peephole sees the new cell state */
  for (size_t k = 0; k < C; k++) hc[k] = selrt_shared_rnn_sigmoid(go[k]) * selrt_shared_rnn_act(L->act, c[k]);
}

void selrt_shared_rnn_seq_f32(const float *x, size_t B, size_t T, size_t I, int32_t tm, const float *w,
                              const float *r, const float *bias, size_t U, int32_t act, float *h, float *y,
                              size_t y_step, int reverse) {
  for (size_t s = 0; s < T; s++) {
    const size_t t = reverse ? T - 1 - s : s;
    for (size_t b = 0; b < B; b++) {
      const size_t row = tm ? t * B + b : b * T + t;
      const float *xr = x + row * I;
      float *yr = y + row * y_step, *hb = h + b * U;
      for (size_t u = 0; u < U; u++) {
        float v = bias ? bias[u] : 0.0f;
        v += selrt_shared_rnn_dot(w + u * I, xr, I);
        v += selrt_shared_rnn_dot(r + u * U, hb, U);
        yr[u] = selrt_shared_rnn_act(act, v);
      }
      for (size_t u = 0; u < U; u++) hb[u] = yr[u];
    }
  }
}

static const float *selrt_shared_lstm_f(selrt_session *s, const selrt_node *n, uint32_t i) {
  const selrt_tensor *t = selrt_in(s, n, i);
  return t ? (const float *)t->data : (const float *)0;
}

void selrt_shared_lstm_f32_run(selrt_session *s, const selrt_node *n, int32_t tm, int32_t act, float cclip, float pclip,
                               int layout, float *y, size_t y_step) {
#define IN(i) selrt_shared_lstm_f(s, n, selrt_shared_lstm_in(layout, (i)))
  const selrt_tensor *xt = selrt_in(s, n, SELRT_LSTM_X), *wpt = selrt_in(s, n, selrt_shared_lstm_in(layout, SELRT_LSTM_WP));
  const int step = tm == SELRT_SHARED_LSTM_ONE_STEP;
  const size_t B = (size_t)xt->dims[tm == 1 ? 1 : 0], T = step ? 1 : (size_t)xt->dims[tm ? 0 : 1];
  const size_t I = (size_t)xt->dims[xt->rank - 1];
  const size_t C = (size_t)selrt_in(s, n, selrt_shared_lstm_in(layout, SELRT_LSTM_WX + 1))->dims[0];
  const size_t O = wpt ? (size_t)wpt->dims[0] : C;
  const float *wp = IN(SELRT_LSTM_WP), *bp = IN(SELRT_LSTM_BP), *x = (const float *)xt->data;
  if (y_step == 0) y_step = O;
  selrt_shared_lstm_cell L;
  L.C = C, L.cifg = IN(SELRT_LSTM_WX) == 0, L.layer_norm = IN(SELRT_LSTM_LN + 1) != 0;
  L.act = act, L.cell_clip = cclip;
  for (uint32_t g = 0; g < 4; g++) {
    L.bias[g] = IN(SELRT_LSTM_BIAS + g), L.ln[g] = IN(SELRT_LSTM_LN + g);
    L.peephole[g] = g == 2 ? (const float *)0 : IN(SELRT_LSTM_WC + (g == 3 ? 2 : g));
  }
  float *h = (float *)selrt_out(s, n, selrt_shared_lstm_out(layout, 1))->data;
  float *c = (float *)selrt_out(s, n, selrt_shared_lstm_out(layout, 2))->data;
  float *gate = (float *)selrt_out(s, n, selrt_shared_lstm_out(layout, 3))->data, *hc = gate + 4 * C;
  selrt_shared_rnn_state_init(h, IN(SELRT_LSTM_HS), B * O);
  selrt_shared_rnn_state_init(c, IN(SELRT_LSTM_CS), B * C);
  for (size_t st = 0; st < T; st++) {
    const size_t t = layout == SELRT_SHARED_LSTM_BW ? T - 1 - st : st;
    for (size_t b = 0; b < B; b++) {
      const size_t row = tm ? t * B + b : b * T + t;
      const float *xr = x + row * I;
      float *hb = h + b * O, *yr = y + row * y_step;
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
#undef IN
}
