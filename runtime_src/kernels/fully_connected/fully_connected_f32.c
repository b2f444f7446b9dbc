/* fully_connected.f32: the input, whatever its shape, is [numel/K, K] rows;
 * weights are re-laid by the converter from TFLite's [N, K] into GEMM panels
 * [ceil(N/8)][K][8] (8 output channels contiguous, the GEMM's vector
 * direction; see shared/gemm_f32.h); optional bias [N]; fused activation as a
 * clamp. keep_num_dims only changes the output shape, which the converter sets. */
#include "selrt_kernel.h"
#include "../shared/gemm_f32.h"

selrt_status selrt_fully_connected_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *w = selrt_pin(p, n, 1), *b = selrt_pin(p, n, 2);
  const selrt_tensor *y = selrt_pout(p, n, 0);
  if (x->dtype != SELRT_F32 || w->dtype != SELRT_F32 || y->dtype != SELRT_F32 || w->rank != 3 ||
      y->rank < 1 || w->dims[2] != SELRT_SHARED_GEMM_F32_NR)
    return SELRT_ERR_UNSUPPORTED;
  const size_t K = (size_t)w->dims[1], N = (size_t)y->dims[y->rank - 1], nx = selrt_numel(x);
  if ((size_t)w->dims[0] != (N + SELRT_SHARED_GEMM_F32_NR - 1) / SELRT_SHARED_GEMM_F32_NR ||
      nx % K != 0 || nx / K > INT32_MAX || (nx / K) * N != selrt_numel(y))
    return SELRT_ERR_UNSUPPORTED;
  if (b && (b->dtype != SELRT_F32 || selrt_numel(b) != N))
    return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}

selrt_status selrt_fully_connected_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *xt = selrt_in(s, n, 0), *wt = selrt_in(s, n, 1), *bt = selrt_in(s, n, 2);
  const selrt_tensor *yt = selrt_out(s, n, 0);
  const int32_t K = wt->dims[1], N = yt->dims[yt->rank - 1];
  selrt_shared_gemm_f32_args g = {0}; /* every field defined, whatever the caller sets */
  g.simd = selrt_shared_simd_avx2(s);
  g.a = (const float *)xt->data; g.lda = (size_t)K; g.ak = 1;
  g.b = (const float *)wt->data; g.ldb = SELRT_SHARED_GEMM_F32_NR;
  g.bps = (size_t)K * SELRT_SHARED_GEMM_F32_NR; g.packed = 1;
  g.c = (float *)yt->data; g.ldc = (size_t)N;
  g.bias = bt ? (const float *)bt->data : (const float *)0;
  g.m = (int32_t)(selrt_numel(xt) / (size_t)K); g.n = N; g.k = K; g.accumulate = 0;
  g.lo = n->fp[SELRT_fully_connected_f32_FP_act_min];
  g.hi = n->fp[SELRT_fully_connected_f32_FP_act_max];
  selrt_shared_gemm_f32_par(s, &g);
  return SELRT_OK;
}

SELRT_KERNEL(fully_connected_f32, "fully_connected.f32");
