/* dynamic_update_slice.f32: output = operand, then the update block written
 * at start_indices. The indices are run-time data (a loop counter in a WHILE
 * body): each is clamped to [0, operand dim - update dim] as LiteRT clamps
 * them, so no index can move the block outside the output. */
#include "selrt_kernel.h"

#include <string.h>

selrt_status selrt_dynamic_update_slice_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *x = selrt_pin(p, n, 0), *u = selrt_pin(p, n, 1), *ix = selrt_pin(p, n, 2);
  const selrt_tensor *y = selrt_pout(p, n, 0);
  if (x->dtype != SELRT_F32 || u->dtype != SELRT_F32 || y->dtype != SELRT_F32)
    return SELRT_REJECT(p, "operand, update and output must be float32", 0, 0);
  if (ix->dtype != SELRT_I32 || ix->rank != 1 || ix->dims[0] != x->rank)
    return SELRT_REJECT(p, "start_indices must be int32 with one index per operand dim (%)", x->rank, 0);
  if (u->rank != x->rank || y->rank != x->rank || x->rank < 1)
    return SELRT_REJECT(p, "update rank % differs from operand rank %", u->rank, x->rank);
  for (int32_t d = 0; d < x->rank; d++) {
    if (y->dims[d] != x->dims[d]) return SELRT_REJECT(p, "output dim % differs from the operand's", d, 0);
    if (u->dims[d] > x->dims[d]) return SELRT_REJECT(p, "update dim % exceeds the operand's", d, 0);
  }
  return SELRT_OK;
}

selrt_status selrt_dynamic_update_slice_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *x = selrt_in(s, n, 0), *u = selrt_in(s, n, 1), *ix = selrt_in(s, n, 2);
  selrt_tensor *y = selrt_out(s, n, 0);
  const int32_t r = x->rank;
  const int32_t *idx = (const int32_t *)ix->data;
  int32_t start[SELRT_MAX_RANK], at[SELRT_MAX_RANK];
  size_t stride[SELRT_MAX_RANK];
  memcpy(y->data, x->data, y->bytes);
  for (int32_t d = r - 1; d >= 0; d--) {
    int32_t hi = x->dims[d] - u->dims[d], v = idx[d];
    start[d] = v < 0 ? 0 : v > hi ? hi : v;
    stride[d] = d == r - 1 ? 1 : stride[d + 1] * (size_t)x->dims[d + 1];
    at[d] = 0;
  }
  /* One contiguous run of the update's last dim per outer index. */
  const size_t row = (size_t)u->dims[r - 1];
  const size_t rows = selrt_numel(u) / row;
  const float *src = (const float *)u->data;
  float *dst = (float *)y->data;
  for (size_t k = 0; k < rows; k++) {
    size_t off = 0;
    for (int32_t d = 0; d < r; d++) off += (size_t)(start[d] + at[d]) * stride[d];
    memcpy(dst + off, src + k * row, row * sizeof(float));
    for (int32_t d = r - 2; d >= 0; d--) { /* next outer index, last dim fastest */
      if (++at[d] < u->dims[d]) break;
      at[d] = 0;
    }
  }
  return SELRT_OK;
}

SELRT_KERNEL(dynamic_update_slice_f32, "dynamic_update_slice.f32");
