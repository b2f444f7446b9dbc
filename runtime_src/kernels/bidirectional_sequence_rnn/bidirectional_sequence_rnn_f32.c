/* bidirectional_sequence_rnn.f32: LiteRT's bidirectional RNN without
 * auxiliary input. x [B,T,I] (time_major [T,B,I]); a forward RNN (Wf [Uf,I],
 * Rf [Uf,Uf], bias [Uf]) from the first step and a backward one (Ub) from the
 * last, each writing step t's output at position t. merge_outputs: output 0
 * is [..., Uf+Ub] with the forward units first and output 1 is not written;
 * else output 0 [..., Uf] and output 1 [..., Ub]. States as
 * shared/recurrent.h: inputs 4 and 8 (absent = zeros), outputs 2 and 3. */
#include "../shared/recurrent.h"

#define SELRT_BIRNN_IP(name) n->ip[SELRT_bidirectional_sequence_rnn_f32_IP_##name]

selrt_status selrt_bidirectional_sequence_rnn_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0);
  const int32_t tm = SELRT_BIRNN_IP(time_major), merge = SELRT_BIRNN_IP(merge_outputs);
  if (tm != 0 && tm != 1) return SELRT_REJECT(p, "time_major % is not 0 or 1", tm, 0);
  if (merge != 0 && merge != 1) return SELRT_REJECT(p, "merge_outputs % is not 0 or 1", merge, 0);
  if (selrt_shared_rnn_act_check(p, SELRT_BIRNN_IP(activation)) != SELRT_OK) return SELRT_ERR_UNSUPPORTED;
  if (x->dtype != SELRT_F32 || x->rank != 3) return SELRT_REJECT(p, "input rank % is not 3", x->rank, 0);
  const uint64_t B = (uint64_t)x->dims[tm ? 1 : 0], T = (uint64_t)x->dims[tm ? 0 : 1], I = (uint64_t)x->dims[2];
  uint64_t U[2];
  for (uint32_t d = 0; d < 2; d++) {
    const selrt_tensor *w = selrt_pin(p, n, 1 + 4 * d), *h = selrt_pin(p, n, 4 + 4 * d);
    if (w->rank != 2) return SELRT_REJECT(p, "weights of direction % have rank %", d, w->rank);
    const uint64_t u = U[d] = (uint64_t)w->dims[0];
    if (!selrt_shared_rnn_is_f32(w, 2, u, I)) return SELRT_REJECT(p, "weights of direction % are not [U, %]", d, I);
    if (!selrt_shared_rnn_is_f32(selrt_pin(p, n, 2 + 4 * d), 2, u, u))
      return SELRT_REJECT(p, "recurrent weights of direction % are not [%, U]", d, u);
    if (!selrt_shared_rnn_is_f32(selrt_pin(p, n, 3 + 4 * d), 1, u, 0)) return SELRT_REJECT(p, "bias of direction % is not [%]", d, u);
    if (h && !selrt_shared_rnn_f32_count(h, B * u)) return SELRT_REJECT(p, "state in of direction % is not % floats", d, B * u);
    if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 2 + d), B * u))
      return SELRT_REJECT(p, "state out of direction % is not % floats", d, B * u);
  }
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 0), B * T * (merge ? U[0] + U[1] : U[0])))
    return SELRT_REJECT(p, "output 0 is not % floats", B * T * (merge ? U[0] + U[1] : U[0]), 0);
  if (!merge && !selrt_shared_rnn_f32_count(selrt_pout(p, n, 1), B * T * U[1]))
    return SELRT_REJECT(p, "output 1 is not % floats", B * T * U[1], 0);
  return SELRT_OK;
}

selrt_status selrt_bidirectional_sequence_rnn_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0);
  const int32_t tm = SELRT_BIRNN_IP(time_major), merge = SELRT_BIRNN_IP(merge_outputs);
  const size_t B = (size_t)xt->dims[tm ? 1 : 0], T = (size_t)xt->dims[tm ? 0 : 1], I = (size_t)xt->dims[2];
  const size_t Uf = (size_t)selrt_in(s, n, 1)->dims[0], Ub = (size_t)selrt_in(s, n, 5)->dims[0];
  float *y0 = (float *)selrt_out(s, n, 0)->data;
  for (uint32_t d = 0; d < 2; d++) {
    const size_t U = d ? Ub : Uf;
    const selrt_tensor *ht = selrt_in(s, n, 4 + 4 * d);
    float *h = (float *)selrt_out(s, n, 2 + d)->data;
    float *y = merge ? y0 + (d ? Uf : 0) : (float *)selrt_out(s, n, d)->data;
    selrt_shared_rnn_state_init(h, ht ? (const float *)ht->data : (const float *)0, B * U);
    selrt_shared_rnn_seq_f32((const float *)xt->data, B, T, I, tm, (const float *)selrt_in(s, n, 1 + 4 * d)->data,
                             (const float *)selrt_in(s, n, 2 + 4 * d)->data,
                             (const float *)selrt_in(s, n, 3 + 4 * d)->data, U, SELRT_BIRNN_IP(activation), h, y,
                             merge ? Uf + Ub : U, (int)d);
  }
  return SELRT_OK;
}

SELRT_KERNEL(bidirectional_sequence_rnn_f32, "bidirectional_sequence_rnn.f32");
