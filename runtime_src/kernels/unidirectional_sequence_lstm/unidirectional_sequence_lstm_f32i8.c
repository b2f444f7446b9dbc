/* unidirectional_sequence_lstm.f32i8: the dynamic-range LSTM (LiteRT's
 * LstmStepHybrid). Operands as unidirectional_sequence_lstm.f32 but the
 * weights (input, recurrent, peephole, projection) are constant int8 with one
 * scale each, in input 24 `scales` [12]: Wx i f c o, Wh i f c o, peephole
 * i f o, projection (1 for an absent one). Per step and batch row: x is
 * quantized once and dotted with every gate's Wx, then h is quantized and
 * dotted with every Wh (shared/recurrent_hybrid.h), each sum added to the
 * gate as (float)acc * (row scale * weight scale); peepholes are used as
 * (float)w * scale; the cell step is the float kernel's
 * (shared/recurrent.h); the projection quantizes o * act(c) and adds its
 * product to the projection bias. Scratch: 8*C floats (gates, the
 * projection's input, the dequantized peepholes); `quantized` holds one
 * quantized vector of max(I, O, C). */
#include "../shared/recurrent.h"
#include "../shared/recurrent_hybrid.h"
#include "../shared/hybrid.h"

#define SELRT_LSTM_I8_IP(name) n->ip[SELRT_unidirectional_sequence_lstm_f32i8_IP_##name]
#define SELRT_LSTM_I8_FP(name) n->fp[SELRT_unidirectional_sequence_lstm_f32i8_FP_##name]
#define SELRT_LSTM_I8_SCALES 24

selrt_status selrt_unidirectional_sequence_lstm_f32i8_check(const selrt_program *p, const selrt_node *n) {
  selrt_shared_lstm_dims d;
  selrt_status st = selrt_shared_lstm_check(p, n, SELRT_I8, SELRT_LSTM_I8_IP(time_major), SELRT_LSTM_I8_IP(activation),
                                            SELRT_LSTM_I8_FP(cell_clip), SELRT_LSTM_I8_FP(proj_clip), &d, SELRT_SHARED_LSTM_UNI);
  if (st != SELRT_OK) return st;
  const uint64_t widest = d.I > d.O ? (d.I > d.C ? d.I : d.C) : (d.O > d.C ? d.O : d.C);
  st = selrt_shared_rnn_hybrid_check(p, selrt_pin(p, n, SELRT_LSTM_I8_SCALES), 12, SELRT_LSTM_I8_IP(asymmetric), widest);
  if (st != SELRT_OK) return st;
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 3), 8 * d.C)) return SELRT_REJECT(p, "scratch is not % floats", 8 * d.C, 0);
  const selrt_tensor *q = selrt_pout(p, n, 4);
  if (q->dtype != SELRT_I8 || (uint64_t)selrt_numel(q) < widest)
    return SELRT_REJECT(p, "quantized scratch holds fewer than % values", widest, 0);
  return SELRT_OK;
}

static const void *selrt_unidirectional_sequence_lstm_f32i8_p(selrt_session *s, const selrt_node *n, uint32_t i) {
  const selrt_tensor *t = selrt_in(s, n, i);
  return t ? t->data : (const void *)0;
}

selrt_status selrt_unidirectional_sequence_lstm_f32i8_run(selrt_session *s, const selrt_node *n) {
#define IN(i) selrt_unidirectional_sequence_lstm_f32i8_p(s, n, (i))
  const selrt_tensor *xt = selrt_in(s, n, SELRT_LSTM_X), *wpt = selrt_in(s, n, SELRT_LSTM_WP);
  const int32_t tm = SELRT_LSTM_I8_IP(time_major), asym = SELRT_LSTM_I8_IP(asymmetric);
  const size_t B = (size_t)xt->dims[tm ? 1 : 0], T = (size_t)xt->dims[tm ? 0 : 1], I = (size_t)xt->dims[2];
  const size_t C = (size_t)selrt_in(s, n, SELRT_LSTM_WX + 1)->dims[0];
  const size_t O = wpt ? (size_t)wpt->dims[0] : C;
  const float *sc = (const float *)IN(SELRT_LSTM_I8_SCALES), *bp = (const float *)IN(SELRT_LSTM_BP);
  const int8_t *wp = (const int8_t *)IN(SELRT_LSTM_WP);
  const float *x = (const float *)xt->data;
  const float pclip = SELRT_LSTM_I8_FP(proj_clip);
  float *y = (float *)selrt_out(s, n, 0)->data;
  float *h = (float *)selrt_out(s, n, 1)->data, *c = (float *)selrt_out(s, n, 2)->data;
  float *gate = (float *)selrt_out(s, n, 3)->data, *hc = gate + 4 * C, *peep = gate + 5 * C;
  int8_t *q = (int8_t *)selrt_out(s, n, 4)->data;
  selrt_shared_lstm_cell L;
  L.C = C, L.cifg = IN(SELRT_LSTM_WX) == 0, L.layer_norm = IN(SELRT_LSTM_LN + 1) != 0;
  L.act = SELRT_LSTM_I8_IP(activation), L.cell_clip = SELRT_LSTM_I8_FP(cell_clip);
  for (uint32_t g = 0; g < 4; g++) {
    L.bias[g] = (const float *)IN(SELRT_LSTM_BIAS + g), L.ln[g] = (const float *)IN(SELRT_LSTM_LN + g);
    L.peephole[g] = (const float *)0;
    const uint32_t pi = g == 3 ? 2 : g;
    const int8_t *pw = g == 2 ? (const int8_t *)0 : (const int8_t *)IN(SELRT_LSTM_WC + pi);
    if (pw) { /* LiteRT's VectorScalarMultiply: the peephole recovered as w * scale */
      float *dst = peep + pi * C;
      for (size_t k = 0; k < C; k++) dst[k] = (float)pw[k] * sc[8 + pi];
      L.peephole[g] = dst;
    }
  }
  selrt_shared_rnn_state_init(h, (const float *)IN(SELRT_LSTM_HS), B * O);
  selrt_shared_rnn_state_init(c, (const float *)IN(SELRT_LSTM_CS), B * C);
  const uint32_t g0 = L.cifg ? 1 : 0;
  for (size_t t = 0; t < T; t++) {
    for (size_t b = 0; b < B; b++) {
      const size_t row = tm ? t * B + b : b * T + t;
      float *hb = h + b * O, *yr = y + row * O;
      float rs;
      int32_t zp;
      for (uint32_t g = g0; g < 4; g++)
        for (size_t k = 0; k < C; k++) gate[g * C + k] = L.layer_norm ? 0.0f : L.bias[g][k];
      selrt_shared_hybrid_quantize(x + row * I, I, 1, asym, q, &rs, &zp);
      for (uint32_t g = g0; g < 4; g++)
        selrt_shared_rnn_hybrid_dot((const int8_t *)IN(SELRT_LSTM_WX + g), C, I, q, zp, rs * sc[g], gate + g * C, 1);
      selrt_shared_hybrid_quantize(hb, O, 1, asym, q, &rs, &zp);
      for (uint32_t g = g0; g < 4; g++)
        selrt_shared_rnn_hybrid_dot((const int8_t *)IN(SELRT_LSTM_WH + g), C, O, q, zp, rs * sc[4 + g], gate + g * C, 1);
      selrt_shared_lstm_cell_step(&L, gate, c + b * C, hc);
      if (wp) {
        for (size_t o = 0; o < O; o++) yr[o] = bp ? bp[o] : 0.0f;
        selrt_shared_rnn_hybrid_matvec(wp, O, C, hc, q, sc[11], asym, yr, 1);
        for (size_t o = 0; o < O; o++) yr[o] = selrt_shared_rnn_clip(yr[o], pclip);
      } else {
        for (size_t k = 0; k < C; k++) yr[k] = hc[k];
      }
      for (size_t o = 0; o < O; o++) hb[o] = yr[o];
    }
  }
  return SELRT_OK;
#undef IN
}

SELRT_KERNEL(unidirectional_sequence_lstm_f32i8, "unidirectional_sequence_lstm.f32i8");
