/* batch_matmul.f32: out[..., M, N] = a[..., M, K] x b[..., K, N] with adj_x /
 * adj_y transposing the last two dims of a / b. The converter flattens the
 * (broadcast) batch dims into at most 4 output dims batch0..3 and gives each
 * operand's element stride per batch dim, 0 where that operand broadcasts,
 * so the device needs no broadcasting logic. b is used in place: with adj_y
 * a dot-product loop, otherwise the shared GEMM (the converter pre-transposes
 * a constant b so that adj_y is 0). */
#include <float.h>

#include "selrt_kernel.h"
#include "../shared/gemm_f32.h"

#define SELRT_BATCH_MATMUL_F32_IP(name) SELRT_batch_matmul_f32_IP_##name

/* m, k, n from the shapes and adj flags; -1 if the shapes do not match. */
static int selrt_batch_matmul_f32_dims(const selrt_tensor *a, const selrt_tensor *b, int ax,
                                       int ay, int32_t *m, int32_t *k, int32_t *n) {
  const int32_t a0 = a->dims[a->rank - 2], a1 = a->dims[a->rank - 1];
  const int32_t b0 = b->dims[b->rank - 2], b1 = b->dims[b->rank - 1];
  *m = ax ? a1 : a0;
  *k = ax ? a0 : a1;
  *n = ay ? b0 : b1;
  return (ay ? b1 : b0) == *k ? 0 : -1;
}

selrt_status selrt_batch_matmul_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *a = selrt_pin(p, n, 0), *b = selrt_pin(p, n, 1), *y = selrt_pout(p, n, 0);
  const int32_t *ip = n->ip;
  const int32_t ax = ip[SELRT_BATCH_MATMUL_F32_IP(adj_x)], ay = ip[SELRT_BATCH_MATMUL_F32_IP(adj_y)];
  int32_t M, K, N;
  if (a->dtype != SELRT_F32 || b->dtype != SELRT_F32 || y->dtype != SELRT_F32 || a->rank < 2 ||
      b->rank < 2 || y->rank < 2 || (ax & ~1) || (ay & ~1) ||
      selrt_batch_matmul_f32_dims(a, b, ax, ay, &M, &K, &N) ||
      y->dims[y->rank - 2] != M || y->dims[y->rank - 1] != N)
    return SELRT_ERR_UNSUPPORTED;
  uint64_t batches = 1, a_end = (uint64_t)M * (uint64_t)K, b_end = (uint64_t)K * (uint64_t)N;
  for (int i = 0; i < 4; i++) {
    const int32_t d = ip[SELRT_BATCH_MATMUL_F32_IP(batch0) + i];
    const int32_t as = ip[SELRT_BATCH_MATMUL_F32_IP(a_stride0) + i];
    const int32_t bs = ip[SELRT_BATCH_MATMUL_F32_IP(b_stride0) + i];
    if (d < 1 || as < 0 || bs < 0) return SELRT_ERR_UNSUPPORTED;
    batches *= (uint64_t)d;
    if (batches > selrt_numel(y)) return SELRT_ERR_UNSUPPORTED;
    a_end += (uint64_t)(d - 1) * (uint64_t)as;
    b_end += (uint64_t)(d - 1) * (uint64_t)bs;
  }
  /* Every element any batch reads lies inside a and b; the output is exactly covered. */
  if (a_end > selrt_numel(a) || b_end > selrt_numel(b) ||
      batches * (uint64_t)M * (uint64_t)N != selrt_numel(y))
    return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}

selrt_status selrt_batch_matmul_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *at = selrt_in(s, n, 0), *bt = selrt_in(s, n, 1);
  const int32_t *ip = n->ip;
  const int32_t ax = ip[SELRT_BATCH_MATMUL_F32_IP(adj_x)], ay = ip[SELRT_BATCH_MATMUL_F32_IP(adj_y)];
  int32_t M, K, N;
  selrt_batch_matmul_f32_dims(at, bt, ax, ay, &M, &K, &N);
  const float *A = (const float *)at->data, *B = (const float *)bt->data;
  float *Y = (float *)selrt_out(s, n, 0)->data;
  const size_t lda = ax ? 1 : (size_t)K, ak = ax ? (size_t)M : 1;
  selrt_shared_gemm_f32_args g = {0}; /* every field defined, whatever the caller sets */
  g.simd = selrt_shared_simd_avx2(s);
  g.lda = lda; g.ak = ak; g.ldb = (size_t)N; g.bps = SELRT_SHARED_GEMM_F32_NR; g.packed = 0;
  g.ldc = (size_t)N; g.bias = (const float *)0;
  g.m = M; g.n = N; g.k = K; g.accumulate = 0; g.lo = -FLT_MAX; g.hi = FLT_MAX;
  int32_t i[4] = {0, 0, 0, 0};
  const int32_t *d = ip + SELRT_BATCH_MATMUL_F32_IP(batch0);
  const int32_t *as = ip + SELRT_BATCH_MATMUL_F32_IP(a_stride0), *bs = ip + SELRT_BATCH_MATMUL_F32_IP(b_stride0);
  for (;;) {
    size_t ao = 0, bo = 0;
    for (int j = 0; j < 4; j++) {
      ao += (size_t)i[j] * (size_t)as[j];
      bo += (size_t)i[j] * (size_t)bs[j];
    }
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
    int j = 3;
    while (j >= 0 && ++i[j] == d[j]) i[j--] = 0;
    if (j < 0) break;
  }
  return SELRT_OK;
}

SELRT_KERNEL(batch_matmul_f32, "batch_matmul.f32");
