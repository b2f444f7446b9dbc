/* embedding_lookup_sparse.f32: weighted rows of params gathered by a sparse
 * tensor (ids, index tuples, weights) and combined per output bucket.
 *
 * ids [n] and indices [n, k] (int32), weights [n] (float32), params [rows,
 * e...]; the output is [dense_shape[0..k-2], e...] (dense_shape is constant,
 * folded into the output dims). Entry i adds params[ids[i]] * weights[i] to
 * the bucket its first k-1 index columns name (row-major; the last column is
 * not used). Buckets are combined run by run, in entry order: when the bucket
 * changes, the finished run is divided by its total weight (mean) or by the
 * root of its summed squared weights (sqrtn); a bucket that comes back later
 * starts a new run on top of what it holds. This is LiteRT's reference
 * behaviour, kept exactly. An id outside params fails the run (as in LiteRT),
 * and so does a bucket outside the output (undefined in LiteRT). */
#include <math.h>
#include <stdint.h>

#include "selrt_kernel.h"

enum { SELRT_ELS_SUM = 0, SELRT_ELS_MEAN = 1, SELRT_ELS_SQRTN = 2 };
#define SELRT_ELS_FAR ((int64_t)1 << 40) /* a partial bucket sum past this overflowed LiteRT's int (undefined there) */

selrt_status selrt_embedding_lookup_sparse_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *ids = selrt_pin(p, n, 0), *ix = selrt_pin(p, n, 1), *w = selrt_pin(p, n, 2);
  const selrt_tensor *x = selrt_pin(p, n, 3), *y = selrt_pout(p, n, 0);
  const int32_t comb = n->ip[SELRT_embedding_lookup_sparse_f32_IP_combiner];
  if (ids->dtype != SELRT_I32 || ix->dtype != SELRT_I32 || w->dtype != SELRT_F32 || x->dtype != SELRT_F32 ||
      y->dtype != SELRT_F32)
    return SELRT_REJECT(p, "ids/indices must be int32, weights/params/output float32 (indices dtype %)", ix->dtype, 0);
  if (ids->rank != 1 || ix->rank != 2 || ix->dims[0] != ids->dims[0] || ix->dims[1] < 1 ||
      selrt_numel(w) != (size_t)ids->dims[0])
    return SELRT_REJECT(p, "ids, indices [n, k] and weights disagree on n (%, %)", ids->dims[0], ix->dims[0]);
  const int32_t lead = ix->dims[1] - 1;
  if (x->rank < 1 || y->rank != lead + x->rank - 1)
    return SELRT_REJECT(p, "output rank % is not % + the params' rank - 1", y->rank, lead);
  for (int32_t j = 1; j < x->rank; j++)
    if (y->dims[lead + j - 1] != x->dims[j])
      return SELRT_REJECT(p, "output dim % is not the params' %", y->dims[lead + j - 1], x->dims[j]);
  /* LiteRT's int bucket arithmetic: below 2^31 output elements every
   * term of a bucket is below 2^62, and run's bound on partial sums keeps
   * the int64 sum from overflowing */
  if (selrt_numel(y) > (size_t)INT32_MAX) return SELRT_REJECT(p, "% output elements", selrt_numel(y), 0);
  if (comb < SELRT_ELS_SUM || comb > SELRT_ELS_SQRTN) return SELRT_REJECT(p, "combiner % is not 0..2", comb, 0);
  return SELRT_OK;
}

static void selrt_embedding_lookup_sparse_f32_finish(int32_t comb, int32_t count, float total, float squares,
                                                     float *row, size_t width) {
  if (comb == SELRT_ELS_SUM || count == 0) return;
  const float by = comb == SELRT_ELS_MEAN ? total : sqrtf(squares);
  for (size_t k = 0; k < width; k++) row[k] /= by;
}

selrt_status selrt_embedding_lookup_sparse_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *idt = selrt_in(s, n, 0), *ixt = selrt_in(s, n, 1), *xt = selrt_in(s, n, 3);
  const int32_t *ids = (const int32_t *)idt->data, *ix = (const int32_t *)ixt->data;
  const float *w = (const float *)selrt_in(s, n, 2)->data, *x = (const float *)xt->data;
  selrt_tensor *yt = selrt_out(s, n, 0);
  float *y = (float *)yt->data;
  const int32_t comb = n->ip[SELRT_embedding_lookup_sparse_f32_IP_combiner];
  const int32_t count = idt->dims[0], k = ixt->dims[1], lead = k - 1;
  const size_t width = selrt_numel(xt) / (size_t)xt->dims[0];
  const int64_t buckets = (int64_t)(selrt_numel(yt) / width);
  for (size_t i = 0, total = selrt_numel(yt); i < total; i++) y[i] = 0.0f;
  int64_t cur = 0;
  int32_t in_run = 0;
  float run_total = 0.0f, run_squares = 0.0f;
  for (int32_t i = 0; i < count; i++) {
    if (ids[i] < 0 || ids[i] >= xt->dims[0]) return SELRT_ERR_INVALID_ARG;
    int64_t bucket = 0, stride = 1;
    for (int32_t j = lead - 1; j >= 0; j--) {
      bucket += (int64_t)ix[(size_t)i * (size_t)k + (size_t)j] * stride;
      stride *= yt->dims[j];
      if (bucket < -SELRT_ELS_FAR || bucket > SELRT_ELS_FAR) return SELRT_ERR_INVALID_ARG;
    }
    if (bucket < 0 || bucket >= buckets) return SELRT_ERR_INVALID_ARG;
    if (bucket != cur) {
      selrt_embedding_lookup_sparse_f32_finish(comb, in_run, run_total, run_squares, y + (size_t)cur * width, width);
      cur = bucket;
      in_run = 0;
      run_total = run_squares = 0.0f;
    }
    const float wi = w[i];
    const float *src = x + (size_t)ids[i] * width;
    float *dst = y + (size_t)cur * width;
    in_run++;
    run_squares += wi * wi;
    run_total += wi;
    for (size_t e = 0; e < width; e++) dst[e] += src[e] * wi;
  }
  selrt_embedding_lookup_sparse_f32_finish(comb, in_run, run_total, run_squares, y + (size_t)cur * width, width);
  return SELRT_OK;
}

SELRT_KERNEL(embedding_lookup_sparse_f32, "embedding_lookup_sparse.f32");
