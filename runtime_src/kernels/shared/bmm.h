/* What batch_matmul.f32 and batch_matmul.i8 share: the iparams start
 *   adj_x, adj_y, batch0..3, a_stride0..3, b_stride0..3
 * (the converter flattens the broadcast batch dims into at most 4 output
 * dims and gives each operand's element stride per batch dim, 0 where it
 * broadcasts), the load-time proof that every batch reads inside a and b and
 * the output is exactly covered, and the walk over the batches. */
#ifndef SELRT_SHARED_BMM_H
#define SELRT_SHARED_BMM_H

#include <stdint.h>

#include "selrt_kernel.h"

enum { SELRT_SHARED_BMM_ADJ_X = 0, SELRT_SHARED_BMM_ADJ_Y = 1, SELRT_SHARED_BMM_BATCH0 = 2,
       SELRT_SHARED_BMM_A_STRIDE0 = 6, SELRT_SHARED_BMM_B_STRIDE0 = 10 };

/* m, k, n from the shapes and adj flags; -1 if the shapes do not match. */
static inline int selrt_shared_bmm_dims(const selrt_tensor *a, const selrt_tensor *b, int ax, int ay, int32_t *m,
                                        int32_t *k, int32_t *n) {
  const int32_t a0 = a->dims[a->rank - 2], a1 = a->dims[a->rank - 1];
  const int32_t b0 = b->dims[b->rank - 2], b1 = b->dims[b->rank - 1];
  *m = ax ? a1 : a0;
  *k = ax ? a0 : a1;
  *n = ay ? b0 : b1;
  return (ay ? b1 : b0) == *k ? 0 : -1;
}

/* Every element any of the d[0..3] batches reads (a at element strides
 * as[], b at bs[], an M x K and a K x N block each) lies inside a and b, and
 * the batches' M x N blocks cover the output exactly (also what
 * batch_matmul.f32i8, whose params are laid out differently, checks). */
static inline selrt_status selrt_shared_bmm_batches_check(const int32_t *d, const int32_t *as, const int32_t *bs,
                                                          int32_t M, int32_t K, int32_t N, const selrt_tensor *a,
                                                          const selrt_tensor *b, const selrt_tensor *y) {
  uint64_t batches = 1, a_end = (uint64_t)M * (uint64_t)K, b_end = (uint64_t)K * (uint64_t)N;
  for (int i = 0; i < 4; i++) {
    if (d[i] < 1 || as[i] < 0 || bs[i] < 0) return SELRT_ERR_UNSUPPORTED;
    batches *= (uint64_t)d[i];
    if (batches > selrt_numel(y)) return SELRT_ERR_UNSUPPORTED;
    a_end += (uint64_t)(d[i] - 1) * (uint64_t)as[i];
    b_end += (uint64_t)(d[i] - 1) * (uint64_t)bs[i];
  }
  if (a_end > selrt_numel(a) || b_end > selrt_numel(b) || batches * (uint64_t)M * (uint64_t)N != selrt_numel(y))
    return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}

static inline selrt_status selrt_shared_bmm_check(const selrt_program *p, const selrt_node *n, selrt_dtype dtype) {
  const selrt_tensor *a = selrt_pin(p, n, 0), *b = selrt_pin(p, n, 1), *y = selrt_pout(p, n, 0);
  const int32_t *ip = n->ip;
  const int32_t ax = ip[SELRT_SHARED_BMM_ADJ_X], ay = ip[SELRT_SHARED_BMM_ADJ_Y];
  int32_t M, K, N;
  if (a->dtype != dtype || b->dtype != dtype || y->dtype != dtype || a->rank < 2 || b->rank < 2 || y->rank < 2 ||
      (ax & ~1) || (ay & ~1) || selrt_shared_bmm_dims(a, b, ax, ay, &M, &K, &N) || y->dims[y->rank - 2] != M ||
      y->dims[y->rank - 1] != N)
    return SELRT_ERR_UNSUPPORTED;
  return selrt_shared_bmm_batches_check(ip + SELRT_SHARED_BMM_BATCH0, ip + SELRT_SHARED_BMM_A_STRIDE0,
                                        ip + SELRT_SHARED_BMM_B_STRIDE0, M, K, N, a, b, y);
}

/* the element offsets of batch i[0..3] in a and b */
static inline void selrt_shared_bmm_offsets(const int32_t *ip, const int32_t *i, size_t *ao, size_t *bo) {
  *ao = *bo = 0;
  for (int j = 0; j < 4; j++) {
    *ao += (size_t)i[j] * (size_t)ip[SELRT_SHARED_BMM_A_STRIDE0 + j];
    *bo += (size_t)i[j] * (size_t)ip[SELRT_SHARED_BMM_B_STRIDE0 + j];
  }
}

/* advance batch index i; 0 after the last batch */
static inline int selrt_shared_bmm_next(const int32_t *ip, int32_t *i) {
  int j = 3;
  while (j >= 0 && ++i[j] == ip[SELRT_SHARED_BMM_BATCH0 + j]) i[j--] = 0;
  return j >= 0;
}

#endif
