/* svdf.f32i8: the dynamic-range SVDF step (LiteRT's EvalHybridSVDF): as
 * svdf.f32, but the new state column is wf . x with x quantized on the fly
 * (shared/recurrent_hybrid.h), and the time weights are int8 used as
 * (float)w * scale. wf [F,I], wt [F,M] constant int8, scales [2] float (wf,
 * wt), float bias [U] optional; `quantized` is the int8 scratch [I]. */
#include "../shared/recurrent.h"
#include "../shared/recurrent_hybrid.h"

selrt_status selrt_svdf_f32i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *wf = selrt_pin(p, n, 1), *wt = selrt_pin(p, n, 2);
  const selrt_tensor *b = selrt_pin(p, n, 3), *st = selrt_pin(p, n, 4), *sc = selrt_pin(p, n, 5);
  const int32_t rank = n->ip[SELRT_svdf_f32i8_IP_rank], act = n->ip[SELRT_svdf_f32i8_IP_activation];
  const int32_t asym = n->ip[SELRT_svdf_f32i8_IP_asymmetric];
  if (selrt_shared_rnn_act_check(p, act) != SELRT_OK) return SELRT_ERR_UNSUPPORTED;
  if (x->dtype != SELRT_F32 || x->rank != 2) return SELRT_REJECT(p, "input rank % is not 2", x->rank, 0);
  const uint64_t B = (uint64_t)x->dims[0], I = (uint64_t)x->dims[1];
  if (wf->rank != 2 || wt->rank != 2) return SELRT_REJECT(p, "weights ranks % and % are not 2", wf->rank, wt->rank);
  const uint64_t F = (uint64_t)wf->dims[0], M = (uint64_t)wt->dims[1];
  if (!selrt_shared_rnn_is_i8(wf, 2, F, I)) return SELRT_REJECT(p, "feature weights are not int8 [%, %]", F, I);
  if (!selrt_shared_rnn_is_i8(wt, 2, F, M)) return SELRT_REJECT(p, "time weights are not int8 [%, %]", F, M);
  if (rank < 1 || F % (uint64_t)rank != 0) return SELRT_REJECT(p, "rank % does not divide % filters", rank, F);
  const uint64_t U = F / (uint64_t)rank;
  if (b && !selrt_shared_rnn_is_f32(b, 1, U, 0)) return SELRT_REJECT(p, "bias is not [%]", U, 0);
  if (st && !selrt_shared_rnn_f32_count(st, B * F * M)) return SELRT_REJECT(p, "state in is not % floats", B * F * M, 0);
  if (selrt_shared_rnn_hybrid_check(p, sc, 2, asym, I) != SELRT_OK) return SELRT_ERR_UNSUPPORTED;
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 0), B * U)) return SELRT_REJECT(p, "output is not % floats", B * U, 0);
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 1), B * F * M))
    return SELRT_REJECT(p, "state out is not % floats", B * F * M, 0);
  if (!selrt_shared_rnn_f32_count(selrt_pout(p, n, 2), F)) return SELRT_REJECT(p, "scratch is not % floats", F, 0);
  const selrt_tensor *q = selrt_pout(p, n, 3);
  if (q->dtype != SELRT_I8 || (uint64_t)selrt_numel(q) < I) return SELRT_REJECT(p, "quantized scratch holds fewer than % values", I, 0);
  return SELRT_OK;
}

selrt_status selrt_svdf_f32i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wft = selrt_in(s, n, 1), *wtt = selrt_in(s, n, 2);
  const selrt_tensor *bt = selrt_in(s, n, 3), *st = selrt_in(s, n, 4);
  const size_t rank = (size_t)n->ip[SELRT_svdf_f32i8_IP_rank];
  const int32_t act = n->ip[SELRT_svdf_f32i8_IP_activation], asym = n->ip[SELRT_svdf_f32i8_IP_asymmetric];
  const size_t B = (size_t)xt->dims[0], I = (size_t)xt->dims[1], F = (size_t)wft->dims[0], M = (size_t)wtt->dims[1];
  const size_t U = F / rank;
  const float *x = (const float *)xt->data, *sc = (const float *)selrt_in(s, n, 5)->data;
  const int8_t *wf = (const int8_t *)wft->data, *wt = (const int8_t *)wtt->data;
  const float *bias = bt ? (const float *)bt->data : (const float *)0;
  float *y = (float *)selrt_out(s, n, 0)->data, *state = (float *)selrt_out(s, n, 1)->data;
  float *scratch = (float *)selrt_out(s, n, 2)->data;
  int8_t *q = (int8_t *)selrt_out(s, n, 3)->data;
  selrt_shared_rnn_state_init(state, st ? (const float *)st->data : (const float *)0, B * F * M);
  for (size_t b = 0; b < B; b++) {
    float *sb = state + b * F * M;
    for (size_t f = 0; f < F; f++) {
      float *mem = sb + f * M;
      for (size_t m = 0; m + 1 < M; m++) mem[m] = mem[m + 1];
      mem[M - 1] = 0.0f;
    }
    selrt_shared_rnn_hybrid_matvec(wf, F, I, x + b * I, q, sc[0], asym, sb + (M - 1), M);
    for (size_t f = 0; f < F; f++) {
      const float *mem = sb + f * M;
      const int8_t *wr = wt + f * M;
      float acc = 0.0f;
      for (size_t m = 0; m < M; m++) acc += ((float)wr[m] * sc[1]) * mem[m];
      scratch[f] = acc;
    }
    for (size_t u = 0; u < U; u++) {
      float v = bias ? bias[u] : 0.0f;
      for (size_t r = 0; r < rank; r++) v += scratch[u * rank + r];
      y[b * U + u] = selrt_shared_rnn_act(act, v);
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(svdf_f32i8, "svdf.f32i8");
