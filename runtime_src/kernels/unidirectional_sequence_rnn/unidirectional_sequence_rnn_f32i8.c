/* unidirectional_sequence_rnn.f32i8: the dynamic-range RNN, LiteRT's hybrid
 * RnnBatchStep per step and batch row: y = bias, += W x with x quantized on
 * the fly, += R h with h quantized on the fly (shared/recurrent_hybrid.h),
 * then the activation; h = y. W [U,I], R [U,U] constant int8 with one scale
 * each (scales [2] float: W, R); float bias [U]; the state as in the float
 * kernel (shared/recurrent.h); `quantized` is the int8 scratch [max(I,U)]. */
#include "../shared/recurrent.h"
#include "../shared/recurrent_hybrid.h"

selrt_status selrt_unidirectional_sequence_rnn_f32i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *r = selrt_pin(p, n, 2);
  const selrt_tensor *b = selrt_pin(p, n, 3), *h = selrt_pin(p, n, 4), *sc = selrt_pin(p, n, 5);
  const int32_t tm = n->ip[SELRT_unidirectional_sequence_rnn_f32i8_IP_time_major];
  const int32_t act = n->ip[SELRT_unidirectional_sequence_rnn_f32i8_IP_activation];
  const int32_t asym = n->ip[SELRT_unidirectional_sequence_rnn_f32i8_IP_asymmetric];
  if (tm != 0 && tm != 1) return SELRT_REJECT(p, "time_major % is not 0 or 1", tm, 0);
  if (selrt_shared_rnn_act_check(p, act) != SELRT_OK) return SELRT_ERR_UNSUPPORTED;
  if (x->dtype != SELRT_F32 || x->rank != 3) return SELRT_REJECT(p, "input rank % is not 3", x->rank, 0);
  const uint64_t B = (uint64_t)x->dims[tm ? 1 : 0], T = (uint64_t)x->dims[tm ? 0 : 1], I = (uint64_t)x->dims[2];
  if (w->rank != 2) return SELRT_REJECT(p, "weights rank % is not 2", w->rank, 0);
  const uint64_t U = (uint64_t)w->dims[0];
  if (!selrt_shared_rnn_is_i8(w, 2, U, I)) return SELRT_REJECT(p, "weights are not int8 [%, %]", U, I);
  if (!selrt_shared_rnn_is_i8(r, 2, U, U)) return SELRT_REJECT(p, "recurrent weights are not int8 [%, %]", U, U);
  if (!selrt_shared_rnn_is_f32(b, 1, U, 0)) return SELRT_REJECT(p, "bias is not [%]", U, 0);
  if (h && !selrt_shared_rnn_f32_count(h, B * U)) return SELRT_REJECT(p, "state in is not % floats", B * U, 0);
  if (selrt_shared_rnn_hybrid_check(p, sc, 2, asym, I > U ? I : U) != SELRT_OK) return SELRT_ERR_UNSUPPORTED;
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 0), B * T * U))
    return SELRT_REJECT(p, "output is not % floats", B * T * U, 0);
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 1), B * U)) return SELRT_REJECT(p, "state out is not % floats", B * U, 0);
  const selrt_tensor *q = selrt_pout(p, n, 2);
  if (q->dtype != SELRT_I8 || (uint64_t)selrt_numel(q) < (I > U ? I : U))
    return SELRT_REJECT(p, "quantized scratch holds fewer than % values", I > U ? I : U, 0);
  return SELRT_OK;
}

selrt_status selrt_unidirectional_sequence_rnn_f32i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *ht = selrt_in(s, n, 4);
  const int32_t tm = n->ip[SELRT_unidirectional_sequence_rnn_f32i8_IP_time_major];
  const int32_t act = n->ip[SELRT_unidirectional_sequence_rnn_f32i8_IP_activation];
  const int32_t asym = n->ip[SELRT_unidirectional_sequence_rnn_f32i8_IP_asymmetric];
  const size_t B = (size_t)xt->dims[tm ? 1 : 0], T = (size_t)xt->dims[tm ? 0 : 1], I = (size_t)xt->dims[2];
  const size_t U = (size_t)wt->dims[0];
  const float *x = (const float *)xt->data, *bias = (const float *)selrt_in(s, n, 3)->data;
  const float *sc = (const float *)selrt_in(s, n, 5)->data;
  const int8_t *w = (const int8_t *)wt->data, *r = (const int8_t *)selrt_in(s, n, 2)->data;
  float *y = (float *)selrt_out(s, n, 0)->data, *h = (float *)selrt_out(s, n, 1)->data;
  int8_t *q = (int8_t *)selrt_out(s, n, 2)->data;
  selrt_shared_rnn_state_init(h, ht ? (const float *)ht->data : (const float *)0, B * U);
  for (size_t t = 0; t < T; t++) {
    for (size_t b = 0; b < B; b++) {
      const size_t row = tm ? t * B + b : b * T + t;
      float *yr = y + row * U, *hb = h + b * U;
      for (size_t u = 0; u < U; u++) yr[u] = bias[u];
      selrt_shared_rnn_hybrid_matvec(w, U, I, x + row * I, q, sc[0], asym, yr, 1);
      selrt_shared_rnn_hybrid_matvec(r, U, U, hb, q, sc[1], asym, yr, 1);
      for (size_t u = 0; u < U; u++) hb[u] = yr[u] = selrt_shared_rnn_act(act, yr[u]);
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(unidirectional_sequence_rnn_f32i8, "unidirectional_sequence_rnn.f32i8");
