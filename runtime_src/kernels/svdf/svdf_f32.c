/* svdf.f32: one step of a singular-value-decomposition filter layer.
 * x [B,I], weights_feature wf [F,I], weights_time wt [F,M], bias [U]
 * (optional, U = F / rank), state [B, F*M] (filter-major rows of M).
 * Per batch row: every filter's memory shifts one column left and takes
 * wf[f] . x in its last column; scratch[f] = state[f] . wt[f]; output[u] =
 * bias[u] + the sum of its `rank` filters; then the activation. The state
 * comes in as input 4 (absent = zeros) and leaves as output 1
 * (shared/recurrent.h). LiteRT's EvalFloatSVDF order. */
#include "../shared/recurrent.h"

selrt_status selrt_svdf_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *wf = selrt_pin(p, n, 1), *wt = selrt_pin(p, n, 2);
  const selrt_tensor *b = selrt_pin(p, n, 3), *st = selrt_pin(p, n, 4);
  const int32_t rank = n->ip[SELRT_svdf_f32_IP_rank], act = n->ip[SELRT_svdf_f32_IP_activation];
  if (selrt_shared_rnn_act_check(p, act) != SELRT_OK) return SELRT_ERR_UNSUPPORTED;
  if (x->dtype != SELRT_F32 || x->rank != 2) return SELRT_REJECT(p, "input rank % is not 2", x->rank, 0);
  const uint64_t B = (uint64_t)x->dims[0], I = (uint64_t)x->dims[1];
  if (wf->rank != 2 || wt->rank != 2) return SELRT_REJECT(p, "weights ranks % and % are not 2", wf->rank, wt->rank);
  const uint64_t F = (uint64_t)wf->dims[0], M = (uint64_t)wt->dims[1];
  if (!selrt_shared_rnn_is_f32(wf, 2, F, I)) return SELRT_REJECT(p, "feature weights depth % is not %", wf->dims[1], I);
  if (!selrt_shared_rnn_is_f32(wt, 2, F, M)) return SELRT_REJECT(p, "time weights have % filters, not %", wt->dims[0], F);
  if (rank < 1 || F % (uint64_t)rank != 0) return SELRT_REJECT(p, "rank % does not divide % filters", rank, F);
  const uint64_t U = F / (uint64_t)rank;
  if (b && !selrt_shared_rnn_is_f32(b, 1, U, 0)) return SELRT_REJECT(p, "bias is not [%]", U, 0);
  if (st && !selrt_shared_rnn_f32_count(st, B * F * M)) return SELRT_REJECT(p, "state in is not % floats", B * F * M, 0);
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 0), B * U)) return SELRT_REJECT(p, "output is not % floats", B * U, 0);
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 1), B * F * M))
    return SELRT_REJECT(p, "state out is not % floats", B * F * M, 0);
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 2), F)) return SELRT_REJECT(p, "scratch is not % floats", F, 0);
  return SELRT_OK;
}

selrt_status selrt_svdf_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wft = selrt_in(s, n, 1), *wtt = selrt_in(s, n, 2);
  const selrt_tensor *bt = selrt_in(s, n, 3), *st = selrt_in(s, n, 4);
  const size_t rank = (size_t)n->ip[SELRT_svdf_f32_IP_rank];
  const int32_t act = n->ip[SELRT_svdf_f32_IP_activation];
  const size_t B = (size_t)xt->dims[0], I = (size_t)xt->dims[1], F = (size_t)wft->dims[0], M = (size_t)wtt->dims[1];
  const size_t U = F / rank;
  const float *x = (const float *)xt->data, *wf = (const float *)wft->data, *wt = (const float *)wtt->data;
  const float *bias = bt ? (const float *)bt->data : (const float *)0;
  float *y = (float *)selrt_out(s, n, 0)->data, *state = (float *)selrt_out(s, n, 1)->data;
  float *scratch = (float *)selrt_out(s, n, 2)->data;
  selrt_shared_rnn_state_init(state, st ? (const float *)st->data : (const float *)0, B * F * M);
  for (size_t b = 0; b < B; b++) {
    float *sb = state + b * F * M;
    for (size_t f = 0; f < F; f++) {
      float *mem = sb + f * M;
      for (size_t m = 0; m + 1 < M; m++) mem[m] = mem[m + 1];
      mem[M - 1] = selrt_shared_rnn_dot(wf + f * I, x + b * I, I);
      scratch[f] = selrt_shared_rnn_dot(wt + f * M, mem, M);
    }
    for (size_t u = 0; u < U; u++) {
      float v = bias ? bias[u] : 0.0f;
      for (size_t r = 0; r < rank; r++) v += scratch[u * rank + r];
      y[b * U + u] = selrt_shared_rnn_act(act, v);
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(svdf_f32, "svdf.f32");
