/* Data movers by element type: kernels that only copy elements around do not
 * care what the elements mean, only how wide they are. Each macro writes a
 * whole kernel `op.dt` (check, run, descriptor) for elements of C type T and
 * dtype D; each use is its own file and object with its own selrt_<op>_<dt>_*
 * symbols, so the size report keeps one row per kernel and an i32 or bool
 * variant of a mover is one line.
 *
 *   SELRT_COPY(op, dt, D)        reshape/squeeze/expand_dims: same elements, new shape
 *   SELRT_VIEW(op, dt, T, D)     a strided view (params $view, proof in shared/strided.c)
 *   SELRT_JOIN(op, dt, D)        join along an axis (param outer, shared/chunks.c)
 *   SELRT_REPEAT(op, dt, T, D)   tile/broadcast_to: out[o] = in[o mod in dims], right-aligned
 *   SELRT_MIRROR(op, dt, T, D)   mirror_pad: params before[max_rank], mode (0 reflect, 1 symmetric)
 *   SELRT_FILL(op, dt, T, D)     every output element = the one-element input 0
 *   SELRT_GATHERND(op, dt, T, D) gather_nd with int32/int64 indices, each checked at run time
 *   SELRT_ONEHOT(op, dt, T, D)   one_hot: params depth, inner; out-of-range indices give `off`
 *   SELRT_LOOKUP(op, dt, T, D)   embedding_lookup: int32 ids, each checked at run time
 *   SELRT_GATHER(op, dt, T, D)   gather (params as gather.f32), each index checked at run time
 *   SELRT_SCATTERND(op, dt, T, D, U) scatter_nd: zeros plus updates at index tuples, each checked
 *   SELRT_DEPTH2SPACE, SELRT_SPACE2DEPTH, SELRT_SPACE2BATCH, SELRT_BATCH2SPACE (op, dt, T, D): NHWC
 *                                 rearrangements (below)
 * (One word after SELRT_: tests/test_catalogue.py finds a kernel's descriptor
 * as SELRT_<FAMILY>(<op>, <dtype>, ...).)
 *
 * No macro reads outside its tensors whatever the program says: the shape
 * relations every run loop relies on are proved in its check. */
#ifndef SELRT_SHARED_MOVERS_H
#define SELRT_SHARED_MOVERS_H

#include <string.h>

#include "selrt_kernel.h"
#include "chunks.h"
#include "elementwise.h"
#include "strided.h"

#define SELRT_COPY(op, dt, D)                                                        \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {   \
    return selrt_shared_elementwise_check(p, n, D, D);                                    \
  }                                                                                       \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {           \
    return selrt_shared_elementwise_copy(s, n);                                           \
  }                                                                                       \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#define SELRT_VIEW(op, dt, T, D)                                                                   \
  _Static_assert(SELRT_##op##_##dt##_N_IPARAMS == SELRT_SHARED_STRIDED_N_IPARAMS &&                    \
                     SELRT_##op##_##dt##_IP_rank == 0 && SELRT_##op##_##dt##_IP_offset == 1 &&         \
                     SELRT_##op##_##dt##_IP_dims0 == 2 && SELRT_##op##_##dt##_IP_strides0 == 8,        \
                 #op "." #dt " iparams must keep the shared strided layout");                          \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                 \
    return selrt_shared_strided_check(p, n, n->ip, D);                                                  \
  }                                                                                                     \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                         \
    const T *src = (const T *)selrt_in(s, n, 0)->data;                                                  \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                              \
    T *dst = (T *)yt->data;                                                                             \
    const int32_t *dims = n->ip + 2, *strides = n->ip + 2 + SELRT_MAX_RANK;                             \
    int32_t rank = n->ip[0], idx[SELRT_MAX_RANK];                                                       \
    ptrdiff_t pos = n->ip[1];                                                                           \
    for (int32_t k = 0; k < rank; k++) idx[k] = 0;                                                      \
    for (size_t i = 0, total = selrt_numel(yt); i < total; i++) {                                       \
      dst[i] = src[pos];                                                                                \
      for (int32_t k = rank - 1; k >= 0; k--) {                                                         \
        pos += strides[k];                                                                              \
        if (++idx[k] < dims[k]) break;                                                                  \
        pos -= (ptrdiff_t)strides[k] * dims[k];                                                         \
        idx[k] = 0;                                                                                     \
      }                                                                                                 \
    }                                                                                                   \
    return SELRT_OK;                                                                                    \
  }                                                                                                     \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#define SELRT_JOIN(op, dt, D)                                                              \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {           \
    return selrt_shared_chunks_check(p, n, n->ip[SELRT_##op##_##dt##_IP_outer], 1, D);             \
  }                                                                                               \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                   \
    return selrt_shared_chunks_run(s, n, n->ip[SELRT_##op##_##dt##_IP_outer], 1);                  \
  }                                                                                               \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

/* Output dim k reads input dim k - (rank_out - rank_in) (absent: size 1). check
 * proves every output dim a multiple of its input dim, so the input coordinate
 * c[k] = out coordinate mod in dim wraps exactly when the output one does. */
#define SELRT_REPEAT(op, dt, T, D)                                                          \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {          \
    const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);                        \
    if (x->dtype != D || y->dtype != D || x->rank > y->rank) return SELRT_ERR_UNSUPPORTED;      \
    for (int32_t j = 0; j < x->rank; j++)                                                        \
      if (y->dims[j + y->rank - x->rank] % x->dims[j]) return SELRT_ERR_UNSUPPORTED;             \
    return SELRT_OK;                                                                             \
  }                                                                                              \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                  \
    const selrt_tensor *xt = selrt_in(s, n, 0);                                                  \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                       \
    const T *x = (const T *)xt->data;                                                            \
    T *y = (T *)yt->data;                                                                        \
    const int32_t r = yt->rank, sh = yt->rank - xt->rank;                                        \
    int32_t idx[SELRT_MAX_RANK], c[SELRT_MAX_RANK], xd[SELRT_MAX_RANK];                          \
    size_t xs[SELRT_MAX_RANK], acc = 1, pos = 0;                                                 \
    for (int32_t k = r - 1; k >= 0; k--) {                                                       \
      xd[k] = k >= sh ? xt->dims[k - sh] : 1;                                                    \
      xs[k] = acc;                                                                               \
      acc *= (size_t)xd[k];                                                                      \
      idx[k] = c[k] = 0;                                                                         \
    }                                                                                            \
    for (size_t i = 0, total = selrt_numel(yt); i < total; i++) {                                \
      y[i] = x[pos];                                                                             \
      for (int32_t k = r - 1; k >= 0; k--) {                                                     \
        pos += xs[k];                                                                            \
        if (++c[k] == xd[k]) {                                                                   \
          c[k] = 0;                                                                              \
          pos -= xs[k] * (size_t)xd[k];                                                          \
        }                                                                                        \
        if (++idx[k] < yt->dims[k]) break;                                                       \
        idx[k] = 0;                                                                              \
      }                                                                                          \
    }                                                                                            \
    return SELRT_OK;                                                                             \
  }                                                                                              \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

/* Input coordinate of output coordinate o along a dim of size d padded by b
 * before: REFLECT (sym 0) mirrors about the edge element, SYMMETRIC (sym 1)
 * repeats it. check bounds both paddings by d - 1 + sym, which keeps the
 * result in [0, d). */
#define SELRT_MIRROR(op, dt, T, D)                                                                \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {            \
    const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);                              \
    const int32_t *before = n->ip + SELRT_##op##_##dt##_IP_before0;                                \
    const int32_t sym = n->ip[SELRT_##op##_##dt##_IP_mode];                                        \
    if (x->dtype != D || y->dtype != D || x->rank != y->rank || (sym != 0 && sym != 1))               \
      return SELRT_ERR_UNSUPPORTED;                                                                    \
    for (int32_t k = 0; k < SELRT_MAX_RANK; k++) {                                                     \
      if (k >= x->rank) {                                                                              \
        if (before[k] != 0) return SELRT_ERR_UNSUPPORTED;                                              \
        continue;                                                                                      \
      }                                                                                                \
      int64_t d = x->dims[k], b = before[k], a = (int64_t)y->dims[k] - d - b;                          \
      if (b < 0 || a < 0 || b > d - 1 + sym || a > d - 1 + sym) return SELRT_ERR_UNSUPPORTED;          \
    }                                                                                                  \
    return SELRT_OK;                                                                                   \
  }                                                                                                    \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                    \
    const selrt_tensor *xt = selrt_in(s, n, 0);                                                        \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                             \
    const T *x = (const T *)xt->data;                                                                  \
    T *y = (T *)yt->data;                                                                              \
    const int32_t *before = n->ip + SELRT_##op##_##dt##_IP_before0;                                \
    const int32_t sym = n->ip[SELRT_##op##_##dt##_IP_mode], r = yt->rank;                          \
    int32_t idx[SELRT_MAX_RANK];                                                                       \
    for (int32_t k = 0; k < r; k++) idx[k] = 0;                                                        \
    for (size_t i = 0, total = selrt_numel(yt); i < total; i++) {                                      \
      size_t pos = 0;                                                                                  \
      for (int32_t k = 0; k < r; k++) {                                                                \
        int32_t d = xt->dims[k], c = idx[k] - before[k];                                               \
        if (c < 0) c = -c - sym;                                                                       \
        else if (c >= d) c = 2 * d - 2 + sym - c;                                                      \
        pos = pos * (size_t)d + (size_t)c;                                                             \
      }                                                                                                \
      y[i] = x[pos];                                                                                   \
      for (int32_t k = r - 1; k >= 0; k--) {                                                           \
        if (++idx[k] < yt->dims[k]) break;                                                             \
        idx[k] = 0;                                                                                    \
      }                                                                                                \
    }                                                                                                  \
    return SELRT_OK;                                                                                   \
  }                                                                                                    \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#define SELRT_FILL(op, dt, T, D)                                                     \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {   \
    const selrt_tensor *v = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);                 \
    if (v->dtype != D || y->dtype != D || selrt_numel(v) != 1) return SELRT_ERR_UNSUPPORTED; \
    return SELRT_OK;                                                                      \
  }                                                                                       \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {           \
    const T v = *(const T *)selrt_in(s, n, 0)->data;                                      \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                \
    T *y = (T *)yt->data;                                                                 \
    for (size_t i = 0, total = selrt_numel(yt); i < total; i++) y[i] = v;                 \
    return SELRT_OK;                                                                      \
  }                                                                                       \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

/* params [d0 .. d(K-1), inner...], indices [n, K] (int32 or int64, K the last
 * indices dim), output [n, inner...]. check proves K <= rank(params) and the
 * output count n * inner without multiplying; run checks every index against
 * its dim and fails with SELRT_ERR_INVALID_ARG (LiteRT fails the invoke). */
#define SELRT_GATHERND(op, dt, T, D)                                                                 \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {             \
    const selrt_tensor *x = selrt_pin(p, n, 0), *ix = selrt_pin(p, n, 1), *y = selrt_pout(p, n, 0);    \
    if (x->dtype != D || y->dtype != D || (ix->dtype != SELRT_I32 && ix->dtype != SELRT_I64) ||        \
        ix->rank < 1 || ix->dims[ix->rank - 1] > x->rank)                                              \
      return SELRT_ERR_UNSUPPORTED;                                                                    \
    size_t inner = 1, count = selrt_numel(ix) / (size_t)ix->dims[ix->rank - 1];                       \
    for (int32_t k = ix->dims[ix->rank - 1]; k < x->rank; k++) inner *= (size_t)x->dims[k];            \
    if (selrt_numel(y) % inner || selrt_numel(y) / inner != count) return SELRT_ERR_UNSUPPORTED;       \
    return SELRT_OK;                                                                                   \
  }                                                                                                    \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                     \
    const selrt_tensor *xt = selrt_in(s, n, 0), *ix = selrt_in(s, n, 1);                               \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                             \
    const T *x = (const T *)xt->data;                                                                  \
    T *y = (T *)yt->data;                                                                              \
    const int32_t K = ix->dims[ix->rank - 1];                                                          \
    const int wide = ix->dtype == SELRT_I64;                                                           \
    size_t inner = 1, count = selrt_numel(ix) / (size_t)K;                                             \
    for (int32_t k = K; k < xt->rank; k++) inner *= (size_t)xt->dims[k];                               \
    for (size_t i = 0; i < count; i++) {                                                               \
      size_t off = 0;                                                                                  \
      for (int32_t k = 0; k < K; k++) {                                                                \
        size_t at = i * (size_t)K + (size_t)k;                                                         \
        int64_t v = wide ? ((const int64_t *)ix->data)[at] : ((const int32_t *)ix->data)[at];          \
        if (v < 0 || v >= xt->dims[k]) return SELRT_ERR_INVALID_ARG;                                   \
        off = off * (size_t)xt->dims[k] + (size_t)v;                                                   \
      }                                                                                                \
      memcpy(y + i * inner, x + off * inner, inner * sizeof(T));                                       \
    }                                                                                                  \
    return SELRT_OK;                                                                                   \
  }                                                                                                    \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

/* indices [outer, inner] (int32 or int64), on/off one-element inputs, output
 * [outer, depth, inner] (the converter's flattening around the one_hot axis).
 * An index outside [0, depth) gives a row of `off`, as in LiteRT. */
#define SELRT_ONEHOT(op, dt, T, D)                                                                       \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                  \
    const selrt_tensor *ix = selrt_pin(p, n, 0), *on = selrt_pin(p, n, 1), *off = selrt_pin(p, n, 2);    \
    const selrt_tensor *y = selrt_pout(p, n, 0);                                                         \
    const int32_t depth = n->ip[SELRT_##op##_##dt##_IP_depth], inner = n->ip[SELRT_##op##_##dt##_IP_inner]; \
    if ((ix->dtype != SELRT_I32 && ix->dtype != SELRT_I64) || on->dtype != D || off->dtype != D ||        \
        y->dtype != D || selrt_numel(on) != 1 || selrt_numel(off) != 1 || depth < 1 || inner < 1 ||       \
        selrt_numel(ix) % (size_t)inner || selrt_numel(y) % (size_t)depth ||                             \
        selrt_numel(y) / (size_t)depth != selrt_numel(ix))                                               \
      return SELRT_ERR_UNSUPPORTED;                                                                      \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                          \
    const selrt_tensor *ix = selrt_in(s, n, 0);                                                          \
    const T on = *(const T *)selrt_in(s, n, 1)->data, off = *(const T *)selrt_in(s, n, 2)->data;         \
    T *y = (T *)selrt_out(s, n, 0)->data;                                                                \
    const int64_t depth = n->ip[SELRT_##op##_##dt##_IP_depth];                                           \
    const size_t inner = (size_t)n->ip[SELRT_##op##_##dt##_IP_inner], outer = selrt_numel(ix) / inner;   \
    const int wide = ix->dtype == SELRT_I64;                                                             \
    for (size_t o = 0; o < outer; o++)                                                                   \
      for (int64_t d = 0; d < depth; d++)                                                                \
        for (size_t i = 0; i < inner; i++) {                                                             \
          size_t at = o * inner + i;                                                                     \
          int64_t v = wide ? ((const int64_t *)ix->data)[at] : ((const int32_t *)ix->data)[at];          \
          *y++ = v == d ? on : off;                                                                      \
        }                                                                                                \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

/* ids [n] (int32), params [rows, inner...], output [n, inner...]: output row i
 * = params row ids[i]; an id outside [0, rows) fails the run (LiteRT fails
 * the invoke). */
#define SELRT_LOOKUP(op, dt, T, D)                                                                       \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                  \
    const selrt_tensor *ids = selrt_pin(p, n, 0), *x = selrt_pin(p, n, 1), *y = selrt_pout(p, n, 0);     \
    if (ids->dtype != SELRT_I32 || ids->rank != 1 || x->dtype != D || y->dtype != D || x->rank < 1)      \
      return SELRT_ERR_UNSUPPORTED;                                                                      \
    size_t inner = selrt_numel(x) / (size_t)x->dims[0];                                                  \
    if (selrt_numel(y) % inner || selrt_numel(y) / inner != (size_t)ids->dims[0]) return SELRT_ERR_UNSUPPORTED; \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                          \
    const selrt_tensor *ids = selrt_in(s, n, 0), *xt = selrt_in(s, n, 1);                                \
    const int32_t *id = (const int32_t *)ids->data;                                                      \
    const T *x = (const T *)xt->data;                                                                    \
    T *y = (T *)selrt_out(s, n, 0)->data;                                                                \
    const size_t inner = selrt_numel(xt) / (size_t)xt->dims[0];                                          \
    for (int32_t i = 0; i < ids->dims[0]; i++) {                                                         \
      if (id[i] < 0 || id[i] >= xt->dims[0]) return SELRT_ERR_INVALID_ARG;                               \
      memcpy(y + (size_t)i * inner, x + (size_t)id[i] * inner, inner * sizeof(T));                       \
    }                                                                                                    \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

/* indices [n, K] (int32 or int64), updates [n, inner...], output [d0..d(K-1),
 * inner...] = zeros with every update added at its index tuple (duplicates
 * sum, as in LiteRT; U is the type they are added in: uint32_t for int32 so
 * that overflow wraps instead of being undefined). An index outside the
 * output fails the run. */
#define SELRT_SCATTERND(op, dt, T, D, U)                                                                   \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                  \
    const selrt_tensor *ix = selrt_pin(p, n, 0), *u = selrt_pin(p, n, 1), *y = selrt_pout(p, n, 0);      \
    if ((ix->dtype != SELRT_I32 && ix->dtype != SELRT_I64) || u->dtype != D || y->dtype != D ||          \
        ix->rank < 1 || ix->dims[ix->rank - 1] > y->rank)                                                \
      return SELRT_ERR_UNSUPPORTED;                                                                      \
    size_t inner = 1, count = selrt_numel(ix) / (size_t)ix->dims[ix->rank - 1];                         \
    for (int32_t k = ix->dims[ix->rank - 1]; k < y->rank; k++) inner *= (size_t)y->dims[k];              \
    if (selrt_numel(u) % inner || selrt_numel(u) / inner != count) return SELRT_ERR_UNSUPPORTED;         \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                          \
    const selrt_tensor *ix = selrt_in(s, n, 0);                                                          \
    const T *u = (const T *)selrt_in(s, n, 1)->data;                                                     \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                               \
    T *y = (T *)yt->data;                                                                                \
    const int32_t K = ix->dims[ix->rank - 1];                                                            \
    const int wide = ix->dtype == SELRT_I64;                                                             \
    size_t inner = 1, count = selrt_numel(ix) / (size_t)K;                                               \
    for (int32_t k = K; k < yt->rank; k++) inner *= (size_t)yt->dims[k];                                 \
    memset(y, 0, yt->bytes);                                                                             \
    for (size_t i = 0; i < count; i++) {                                                                 \
      size_t off = 0;                                                                                    \
      for (int32_t k = 0; k < K; k++) {                                                                  \
        size_t at = i * (size_t)K + (size_t)k;                                                           \
        int64_t v = wide ? ((const int64_t *)ix->data)[at] : ((const int32_t *)ix->data)[at];            \
        if (v < 0 || v >= yt->dims[k]) return SELRT_ERR_INVALID_ARG;                                     \
        off = off * (size_t)yt->dims[k] + (size_t)v;                                                     \
      }                                                                                                  \
      for (size_t j = 0; j < inner; j++) y[off * inner + j] = (T)((U)y[off * inner + j] + (U)u[i * inner + j]); \
    }                                                                                                    \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

/* gather: params [batch, outer, axis_size, inner], indices [batch, n_indices]
 * (int32 or int64), output [batch, outer, n_indices, inner] (the converter's
 * flattening, params as for gather.f32). check proves the three element
 * counts by division; run checks each index and fails with
 * SELRT_ERR_INVALID_ARG before reading outside params. */
#define SELRT_GATHER(op, dt, T, D)                                                                       \
  static int selrt_##op##_##dt##_is_product(size_t c, int32_t a, int32_t b, int32_t e, int32_t d) {      \
    int32_t f[4];                                                                                        \
    f[0] = a, f[1] = b, f[2] = e, f[3] = d;                                                              \
    for (int i = 0; i < 4; i++) {                                                                        \
      if (f[i] < 1 || c % (size_t)f[i]) return 0;                                                        \
      c /= (size_t)f[i];                                                                                 \
    }                                                                                                    \
    return c == 1;                                                                                       \
  }                                                                                                      \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                  \
    const selrt_tensor *x = selrt_pin(p, n, 0), *ix = selrt_pin(p, n, 1), *y = selrt_pout(p, n, 0);      \
    const int32_t *ip = n->ip;                                                                           \
    int32_t batch = ip[SELRT_##op##_##dt##_IP_batch], outer = ip[SELRT_##op##_##dt##_IP_outer];          \
    int32_t axis = ip[SELRT_##op##_##dt##_IP_axis_size], inner = ip[SELRT_##op##_##dt##_IP_inner];       \
    int32_t count = ip[SELRT_##op##_##dt##_IP_n_indices];                                                \
    if (x->dtype != D || y->dtype != D || (ix->dtype != SELRT_I32 && ix->dtype != SELRT_I64) ||          \
        !selrt_##op##_##dt##_is_product(selrt_numel(x), batch, outer, axis, inner) ||                    \
        !selrt_##op##_##dt##_is_product(selrt_numel(ix), batch, count, 1, 1) ||                          \
        !selrt_##op##_##dt##_is_product(selrt_numel(y), batch, outer, count, inner))                     \
      return SELRT_ERR_UNSUPPORTED;                                                                      \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                          \
    const T *x = (const T *)selrt_in(s, n, 0)->data;                                                     \
    const selrt_tensor *ix = selrt_in(s, n, 1);                                                          \
    T *y = (T *)selrt_out(s, n, 0)->data;                                                                \
    const int32_t *ip = n->ip;                                                                           \
    int32_t batch = ip[SELRT_##op##_##dt##_IP_batch], outer = ip[SELRT_##op##_##dt##_IP_outer];          \
    int32_t axis = ip[SELRT_##op##_##dt##_IP_axis_size], count = ip[SELRT_##op##_##dt##_IP_n_indices];   \
    size_t inner = (size_t)ip[SELRT_##op##_##dt##_IP_inner];                                             \
    int wide = ix->dtype == SELRT_I64;                                                                   \
    for (int32_t b = 0; b < batch; b++)                                                                  \
      for (int32_t o = 0; o < outer; o++) {                                                              \
        const T *row = x + ((size_t)b * (size_t)outer + (size_t)o) * (size_t)axis * inner;               \
        for (int32_t i = 0; i < count; i++) {                                                            \
          size_t at = (size_t)b * (size_t)count + (size_t)i;                                             \
          int64_t k = wide ? ((const int64_t *)ix->data)[at] : ((const int32_t *)ix->data)[at];          \
          if (k < 0 || k >= axis) return SELRT_ERR_INVALID_ARG;                                          \
          memcpy(y, row + (size_t)k * inner, inner * sizeof(T));                                         \
          y += inner;                                                                                    \
        }                                                                                                \
      }                                                                                                  \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

/* NHWC depth/space/batch rearrangements (each output run of channels is one
 * contiguous copy). space_to_batch pads with the output's zero point: 0 for
 * float and int32, the real 0 of an int8 tensor (TFLite pads quantized
 * tensors with it). check proves every copy inside both tensors:
 *   SELRT_DEPTH2SPACE(op, dt, T, D)  [N,H,W,C] -> [N,H*b,W*b,C/(b*b)], param block_size
 *   SELRT_SPACE2DEPTH(op, dt, T, D)  [N,H,W,C] -> [N,H/b,W/b,C*b*b], param block_size
 *   SELRT_SPACE2BATCH(op, dt, T, D)  3-D/4-D, params block_h, block_w, pad_top, pad_left
 *   SELRT_BATCH2SPACE(op, dt, T, D)  3-D/4-D, params block_h, block_w, crop_top, crop_left */
#define SELRT_DEPTH2SPACE(op, dt, T, D)                                                                 \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                 \
    const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);                               \
    const int64_t b = n->ip[SELRT_##op##_##dt##_IP_block_size];                                         \
    if (x->dtype != D || y->dtype != D || x->rank != 4 || y->rank != 4 || b < 1 || b > 65536 ||          \
        y->dims[0] != x->dims[0] || y->dims[1] != x->dims[1] * b || y->dims[2] != x->dims[2] * b ||      \
        (int64_t)y->dims[3] * b * b != x->dims[3])                                                       \
      return SELRT_ERR_UNSUPPORTED;                                                                      \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                          \
    const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);                                \
    const T *x = (const T *)xt->data;                                                                    \
    T *y = (T *)yt->data;                                                                                \
    const size_t b = (size_t)n->ip[SELRT_##op##_##dt##_IP_block_size];                                   \
    const size_t NH = (size_t)xt->dims[0] * (size_t)xt->dims[1], W = (size_t)xt->dims[2];                \
    const size_t C = (size_t)xt->dims[3], OC = (size_t)yt->dims[3];                                      \
    for (size_t h = 0; h < NH; h++)                                                                      \
      for (size_t i = 0; i < b; i++)                                                                     \
        for (size_t w = 0; w < W; w++)                                                                   \
          for (size_t j = 0; j < b; j++) {                                                               \
            memcpy(y, x + (h * W + w) * C + (i * b + j) * OC, OC * sizeof(T));                           \
            y += OC;                                                                                     \
          }                                                                                              \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#define SELRT_SPACE2DEPTH(op, dt, T, D)                                                                 \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                 \
    const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);                               \
    const int64_t b = n->ip[SELRT_##op##_##dt##_IP_block_size];                                         \
    if (x->dtype != D || y->dtype != D || x->rank != 4 || y->rank != 4 || b < 1 || b > 65536 ||          \
        y->dims[0] != x->dims[0] || (int64_t)y->dims[1] * b != x->dims[1] ||                             \
        (int64_t)y->dims[2] * b != x->dims[2] || (int64_t)x->dims[3] * b * b != y->dims[3])              \
      return SELRT_ERR_UNSUPPORTED;                                                                      \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                          \
    const selrt_tensor *xt = selrt_in(s, n, 0), *yt = selrt_out(s, n, 0);                                \
    const T *x = (const T *)xt->data;                                                                    \
    T *y = (T *)yt->data;                                                                                \
    const size_t b = (size_t)n->ip[SELRT_##op##_##dt##_IP_block_size];                                   \
    const size_t NOH = (size_t)yt->dims[0] * (size_t)yt->dims[1], OW = (size_t)yt->dims[2];              \
    const size_t W = (size_t)xt->dims[2], C = (size_t)xt->dims[3];                                       \
    for (size_t h = 0; h < NOH; h++)                                                                     \
      for (size_t w = 0; w < OW; w++)                                                                    \
        for (size_t i = 0; i < b; i++)                                                                   \
          for (size_t j = 0; j < b; j++) {                                                               \
            memcpy(y, x + ((h * b + i) * W + w * b + j) * C, C * sizeof(T));                             \
            y += C;                                                                                      \
          }                                                                                              \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#define SELRT_SPACE2BATCH(op, dt, T, D)                                                                 \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                 \
    const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);                               \
    const int32_t *ip = n->ip;                                                                           \
    const int64_t bh = ip[SELRT_##op##_##dt##_IP_block_h], bw = ip[SELRT_##op##_##dt##_IP_block_w];      \
    if (x->dtype != D || y->dtype != D || x->rank != y->rank || (x->rank != 3 && x->rank != 4) ||        \
        bh < 1 || bw < 1 || (x->rank == 3 && bw != 1) || ip[SELRT_##op##_##dt##_IP_pad_top] < 0 ||       \
        ip[SELRT_##op##_##dt##_IP_pad_left] < 0 || y->dims[0] % (bh * bw) ||                            \
        y->dims[0] / (bh * bw) != x->dims[0] || x->dims[x->rank - 1] != y->dims[y->rank - 1])            \
      return SELRT_ERR_UNSUPPORTED;                                                                      \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                          \
    const selrt_tensor *xt = selrt_in(s, n, 0);                                                          \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                               \
    const T *x = (const T *)xt->data;                                                                    \
    T *y = (T *)yt->data;                                                                                \
    const T zero = (T)(D == SELRT_I8 ? yt->zero_point : 0);                                              \
    const int32_t *ip = n->ip;                                                                           \
    const int four = xt->rank == 4;                                                                      \
    const int64_t B = xt->dims[0], H = xt->dims[1], W = four ? xt->dims[2] : 1, C = xt->dims[xt->rank - 1]; \
    const int64_t OB = yt->dims[0], OH = yt->dims[1], OW = four ? yt->dims[2] : 1;                       \
    const int64_t bw = ip[SELRT_##op##_##dt##_IP_block_w], bh = ip[SELRT_##op##_##dt##_IP_block_h];      \
    const int64_t pt = ip[SELRT_##op##_##dt##_IP_pad_top], pl = ip[SELRT_##op##_##dt##_IP_pad_left];     \
    for (int64_t ob = 0; ob < OB; ob++) {                                                                \
      const int64_t b = ob % B, i = ob / B / bw, j = ob / B % bw;                                        \
      for (int64_t h = 0; h < OH; h++) {                                                                 \
        const int64_t ih = h * bh + i - pt;                                                              \
        for (int64_t w = 0; w < OW; w++, y += C) {                                                       \
          const int64_t iw = w * bw + j - pl;                                                            \
          if (ih < 0 || ih >= H || iw < 0 || iw >= W) {                                                  \
            for (int64_t c = 0; c < C; c++) y[c] = zero;                                                 \
            continue;                                                                                    \
          }                                                                                              \
          const T *src = x + ((b * H + ih) * W + iw) * C;                                                \
          for (int64_t c = 0; c < C; c++) y[c] = src[c];                                                 \
        }                                                                                                \
      }                                                                                                  \
    }                                                                                                    \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#define SELRT_BATCH2SPACE(op, dt, T, D)                                                                 \
  selrt_status selrt_##op##_##dt##_check(const selrt_program *p, const selrt_node *n) {                 \
    const selrt_tensor *x = selrt_pin(p, n, 0), *y = selrt_pout(p, n, 0);                               \
    const int32_t *ip = n->ip;                                                                           \
    const int64_t bh = ip[SELRT_##op##_##dt##_IP_block_h], bw = ip[SELRT_##op##_##dt##_IP_block_w];      \
    const int64_t ct = ip[SELRT_##op##_##dt##_IP_crop_top], cl = ip[SELRT_##op##_##dt##_IP_crop_left];   \
    if (x->dtype != D || y->dtype != D || x->rank != y->rank || (x->rank != 3 && x->rank != 4) ||        \
        bh < 1 || bw < 1 || (x->rank == 3 && bw != 1) || ct < 0 || cl < 0 || x->dims[0] % (bh * bw) ||   \
        x->dims[0] / (bh * bw) != y->dims[0] || x->dims[x->rank - 1] != y->dims[y->rank - 1] ||          \
        y->dims[1] + ct > x->dims[1] * bh || (x->rank == 4 && y->dims[2] + cl > x->dims[2] * bw) ||      \
        (x->rank == 3 && cl != 0))                                                                       \
      return SELRT_ERR_UNSUPPORTED;                                                                      \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  selrt_status selrt_##op##_##dt##_run(selrt_session *s, const selrt_node *n) {                          \
    const selrt_tensor *xt = selrt_in(s, n, 0);                                                          \
    selrt_tensor *yt = selrt_out(s, n, 0);                                                               \
    const T *x = (const T *)xt->data;                                                                    \
    T *y = (T *)yt->data;                                                                                \
    const int32_t *ip = n->ip;                                                                           \
    const int four = xt->rank == 4;                                                                      \
    const int64_t H = xt->dims[1], W = four ? xt->dims[2] : 1, C = xt->dims[xt->rank - 1];               \
    const int64_t B = yt->dims[0], OH = yt->dims[1], OW = four ? yt->dims[2] : 1;                        \
    const int64_t bh = ip[SELRT_##op##_##dt##_IP_block_h], bw = ip[SELRT_##op##_##dt##_IP_block_w];      \
    const int64_t ct = ip[SELRT_##op##_##dt##_IP_crop_top], cl = ip[SELRT_##op##_##dt##_IP_crop_left];   \
    for (int64_t b = 0; b < B; b++)                                                                      \
      for (int64_t oy = 0; oy < OH; oy++) {                                                              \
        const int64_t h = (oy + ct) / bh, i = (oy + ct) % bh;                                            \
        for (int64_t ox = 0; ox < OW; ox++, y += C) {                                                    \
          const int64_t w = (ox + cl) / bw, j = (ox + cl) % bw;                                          \
          const T *src = x + ((((i * bw + j) * B + b) * H + h) * W + w) * C;                             \
          for (int64_t c = 0; c < C; c++) y[c] = src[c];                                                 \
        }                                                                                                \
      }                                                                                                  \
    return SELRT_OK;                                                                                     \
  }                                                                                                      \
  SELRT_KERNEL(op##_##dt, #op "." #dt)

#endif
