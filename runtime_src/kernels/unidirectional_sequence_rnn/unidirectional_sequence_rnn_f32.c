/* unidirectional_sequence_rnn.f32: h_t = act(b + W x_t + R h_{t-1}) for each
 * step of x [B,T,I] (time_major: [T,B,I]); y holds every h_t in x's layout.
 * W [U,I], R [U,U], bias [U] optional; the state comes in as input 4 (the
 * previous node's state output, absent = zeros) and leaves as output 1
 * (shared/recurrent.h). LiteRT's RnnBatchStep order: bias, W x, then R h. */
#include "../shared/recurrent.h"

selrt_status selrt_unidirectional_sequence_rnn_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *r = selrt_pin(p, n, 2);
  const selrt_tensor *b = selrt_pin(p, n, 3), *h = selrt_pin(p, n, 4);
  const int32_t tm = n->ip[SELRT_unidirectional_sequence_rnn_f32_IP_time_major];
  const int32_t act = n->ip[SELRT_unidirectional_sequence_rnn_f32_IP_activation];
  if (tm != 0 && tm != 1) return SELRT_REJECT(p, "time_major % is not 0 or 1", tm, 0);
  if (selrt_shared_rnn_act_check(p, act) != SELRT_OK) return SELRT_ERR_UNSUPPORTED;
  if (x->dtype != SELRT_F32 || x->rank != 3) return SELRT_REJECT(p, "input rank % is not 3", x->rank, 0);
  const uint64_t B = (uint64_t)x->dims[tm ? 1 : 0], T = (uint64_t)x->dims[tm ? 0 : 1], I = (uint64_t)x->dims[2];
  if (w->rank != 2) return SELRT_REJECT(p, "weights rank % is not 2", w->rank, 0);
  const uint64_t U = (uint64_t)w->dims[0];
  if (!selrt_shared_rnn_is_f32(w, 2, U, I)) return SELRT_REJECT(p, "weights depth % is not the input depth %", w->dims[1], I);
  if (!selrt_shared_rnn_is_f32(r, 2, U, U)) return SELRT_REJECT(p, "recurrent weights are not [%, %]", U, U);
  if (b && !selrt_shared_rnn_is_f32(b, 1, U, 0)) return SELRT_REJECT(p, "bias is not [%]", U, 0);
  if (h && !selrt_shared_rnn_f32_count(h, B * U)) return SELRT_REJECT(p, "state in is not % floats", B * U, 0);
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 0), B * T * U))
    return SELRT_REJECT(p, "output is not % floats", B * T * U, 0);
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 1), B * U)) return SELRT_REJECT(p, "state out is not % floats", B * U, 0);
  return SELRT_OK;
}

selrt_status selrt_unidirectional_sequence_rnn_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *bt = selrt_in(s, n, 3), *ht = selrt_in(s, n, 4);
  const int32_t tm = n->ip[SELRT_unidirectional_sequence_rnn_f32_IP_time_major];
  const int32_t act = n->ip[SELRT_unidirectional_sequence_rnn_f32_IP_activation];
  const size_t B = (size_t)xt->dims[tm ? 1 : 0], T = (size_t)xt->dims[tm ? 0 : 1], I = (size_t)xt->dims[2];
  const size_t U = (size_t)wt->dims[0];
  const float *x = (const float *)xt->data, *w = (const float *)wt->data;
  const float *r = (const float *)selrt_in(s, n, 2)->data, *bias = bt ? (const float *)bt->data : (const float *)0;
  float *y = (float *)selrt_out(s, n, 0)->data, *h = (float *)selrt_out(s, n, 1)->data;
  selrt_shared_rnn_state_init(h, ht ? (const float *)ht->data : (const float *)0, B * U);
  selrt_shared_rnn_seq_f32(x, B, T, I, tm, w, r, bias, U, act, h, y, U, 0);
  return SELRT_OK;
}

SELRT_KERNEL(unidirectional_sequence_rnn_f32, "unidirectional_sequence_rnn.f32");
