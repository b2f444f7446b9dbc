/* batch_matmul.f32: out[..., M, N] = a[..., M, K] x b[..., K, N] with adj_x /
 * adj_y transposing the last two dims of a / b. The converter flattens the
 * (broadcast) batch dims into at most 4 output dims batch0..3 and gives each
 * operand's element stride per batch dim, 0 where that operand broadcasts,
 * so the device needs no broadcasting logic. b is used in place: with adj_y
 * a dot-product loop, otherwise the shared GEMM (the converter pre-transposes
 * a constant b so that adj_y is 0). */
#include <float.h>

#include "selrt_kernel.h"
#include "../shared/bmm.h"
#include "../shared/gemm_f32.h"

#define SELRT_BATCH_MATMUL_F32_IP(name) SELRT_batch_matmul_f32_IP_##name
_Static_assert(SELRT_BATCH_MATMUL_F32_IP(adj_x) == SELRT_SHARED_BMM_ADJ_X &&
                   SELRT_BATCH_MATMUL_F32_IP(adj_y) == SELRT_SHARED_BMM_ADJ_Y &&
                   SELRT_BATCH_MATMUL_F32_IP(batch0) == SELRT_SHARED_BMM_BATCH0 &&
                   SELRT_BATCH_MATMUL_F32_IP(a_stride0) == SELRT_SHARED_BMM_A_STRIDE0 &&
                   SELRT_BATCH_MATMUL_F32_IP(b_stride0) == SELRT_SHARED_BMM_B_STRIDE0,
               "batch_matmul.f32 iparams must keep the shared/bmm.h layout");

selrt_status selrt_batch_matmul_f32_check(const selrt_program *p, const selrt_node *n) {
  return selrt_shared_bmm_check(p, n, SELRT_F32);
}

selrt_status selrt_batch_matmul_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *at = selrt_in(s, n, 0), *bt = selrt_in(s, n, 1);
  const int32_t *ip = n->ip;
  const int32_t ax = ip[SELRT_BATCH_MATMUL_F32_IP(adj_x)], ay = ip[SELRT_BATCH_MATMUL_F32_IP(adj_y)];
  int32_t M, K, N;
  selrt_shared_bmm_dims(at, bt, ax, ay, &M, &K, &N);
  const float *A = (const float *)at->data, *B = (const float *)bt->data;
  float *Y = (float *)selrt_out(s, n, 0)->data;
  const size_t lda = ax ? 1 : (size_t)K, ak = ax ? (size_t)M : 1;
  selrt_shared_gemm_f32_args g = {0}; /* every field defined, whatever the caller sets */
  g.simd = selrt_shared_simd_avx2(s);
  g.lda = lda; g.ak = ak; g.ldb = (size_t)N; g.bps = SELRT_SHARED_GEMM_F32_NR; g.packed = 0;
  g.ldc = (size_t)N; g.bias = (const float *)0;
  g.m = M; g.n = N; g.k = K; g.accumulate = 0; g.lo = -FLT_MAX; g.hi = FLT_MAX;
  int32_t i[4] = {0, 0, 0, 0};
  do {
    size_t ao, bo;
    selrt_shared_bmm_offsets(ip, i, &ao, &bo);
    if (!ay) {
      g.a = A + ao; g.b = B + bo; g.c = Y;
      selrt_shared_gemm_f32(&g);
    } else {
      /* b stored [N][K]: rows of a and b are both contiguous in k when !adj_x. */
      for (int32_t m = 0; m < M; m++)
        for (int32_t c = 0; c < N; c++) {
          const float *ar = A + ao + (size_t)m * lda, *br = B + bo + (size_t)c * K;
          float acc = 0.0f;
          for (int32_t k = 0; k < K; k++) acc += ar[(size_t)k * ak] * br[k];
          Y[(size_t)m * N + c] = acc;
        }
    }
    Y += (size_t)M * N;
  } while (selrt_shared_bmm_next(ip, i));
  return SELRT_OK;
}

SELRT_KERNEL(batch_matmul_f32, "batch_matmul.f32");
