/* embedding_lookup.f32i8: dynamic-range embedding lookup: rows of a constant
 * symmetric int8 table picked by int32 ids and dequantized, y = v * scale
 * with one scale per tensor or per table row (the float product of an int8
 * and a float is the correctly rounded real product, as LiteRT's double one
 * rounded to float). An out-of-range id fails the run. */
#include "selrt_kernel.h"
#include "../shared/hybrid.h"

selrt_status selrt_embedding_lookup_f32i8_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *ids = selrt_pin(p, n, 0), *x = selrt_pin(p, n, 1), *sc = selrt_pin(p, n, 2);
  const selrt_tensor *y = selrt_pout(p, n, 0);
  if (ids->dtype != SELRT_I32 || ids->rank != 1 || x->dtype != SELRT_I8 || !x->data || y->dtype != SELRT_F32 ||
      x->rank < 1 || x->dims[0] < 1 || selrt_shared_hybrid_scales_check(sc, (size_t)x->dims[0]) != SELRT_OK)
    return SELRT_ERR_UNSUPPORTED;
  const size_t inner = selrt_numel(x) / (size_t)x->dims[0];
  if (selrt_numel(y) != (size_t)ids->dims[0] * inner) return SELRT_ERR_UNSUPPORTED;
  return SELRT_OK;
}

selrt_status selrt_embedding_lookup_f32i8_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *ids = selrt_in(s, n, 0), *xt = selrt_in(s, n, 1), *st = selrt_in(s, n, 2);
  const int32_t *id = (const int32_t *)ids->data;
  const int8_t *x = (const int8_t *)xt->data;
  const float *scale = (const float *)st->data;
  float *y = (float *)selrt_out(s, n, 0)->data;
  const size_t inner = selrt_numel(xt) / (size_t)xt->dims[0], per_row = selrt_numel(st) > 1 ? 1 : 0;
  for (int32_t i = 0; i < ids->dims[0]; i++) {
    if (id[i] < 0 || id[i] >= xt->dims[0]) return SELRT_ERR_INVALID_ARG;
    const int8_t *row = x + (size_t)id[i] * inner;
    const float sc = scale[per_row * (size_t)id[i]];
    for (size_t j = 0; j < inner; j++) y[(size_t)i * inner + j] = (float)row[j] * sc;
  }
  return SELRT_OK;
}

SELRT_KERNEL(embedding_lookup_f32i8, "embedding_lookup.f32i8");
