/* detection_postprocess.f32: the SSD post-processing step that LiteRT's
 * builtin resolver registers as the custom op TFLite_Detection_PostProcess.
 *
 * 1. Decode: box encoding (ty, tx, th, tw) of anchor i against its anchor
 *    (y, x, h, w): centre (ty / y_scale * h + y, tx / x_scale * w + x), half
 *    sizes 0.5 * exp(th / h_scale) * h and 0.5 * exp(tw / w_scale) * w, all in
 *    double as LiteRT computes them, stored as (ymin, xmin, ymax, xmax) floats.
 * 2. Non-max suppression over scores >= score_threshold, sorted descending
 *    (stable: ties keep anchor order), a box dropped when its IoU with a kept
 *    one exceeds iou_threshold. "Fast": each anchor ranked by its best class,
 *    one suppression, then its top classes_per_detection classes reported.
 *    "Regular": one suppression per class (detections_per_class each), the
 *    results merged by score into the best max_detections.
 * Scores of the background column (when scores has num_classes + 1 columns)
 * are skipped. Unused output rows are zero; num_detections counts the rows
 * (regular) or boxes (fast) written.
 *
 * Scratch comes from two outputs the converter sizes (no allocation):
 *   fscratch f32: decoded [4A] | per-anchor scores [A] | merged scores [A + D] | spare [D]
 *   iscratch i32: kept [A] | active [A] | sort temp [A + D] | merged index [A + D]
 *                 | merge order [A + D] | top classes [A * k]
 * The arithmetic follows LiteRT's statement by statement; contraction into
 * fused multiply-adds would change IoU values near the threshold. */
#include "selrt_kernel.h"

#include <math.h>

#if defined(__clang__) /* GCC does not contract in ISO C mode (-std=c11) */
#pragma STDC FP_CONTRACT OFF
#endif

#define IP(name) n->ip[SELRT_detection_postprocess_f32_IP_##name]
#define FP(name) n->fp[SELRT_detection_postprocess_f32_FP_##name]

typedef struct {
  uint32_t a, c, d, k, keff;   /* anchors, score columns, max detections, classes per detection, min(k, classes) */
} selrt_detection_postprocess_f32_dims;

static uint64_t selrt_detection_postprocess_f32_fscratch(uint64_t a, uint64_t d) { return 6 * a + 2 * d; }
static uint64_t selrt_detection_postprocess_f32_iscratch(uint64_t a, uint64_t d, uint64_t keff) {
  return 5 * a + 3 * d + a * keff;
}

selrt_status selrt_detection_postprocess_f32_check(const selrt_program *p, const selrt_node *n) {
  const selrt_tensor *bx = selrt_pin(p, n, 0), *sc = selrt_pin(p, n, 1), *an = selrt_pin(p, n, 2);
  if (bx->dtype != SELRT_F32 || sc->dtype != SELRT_F32 || an->dtype != SELRT_F32)
    return SELRT_REJECT(p, "boxes, scores and anchors must be float32 (boxes dtype %, scores %)", bx->dtype, sc->dtype);
  if (bx->rank != 3 || bx->dims[0] != 1 || bx->dims[2] < 4)
    return SELRT_REJECT(p, "boxes must be [1, anchors, >= 4] (rank %, dim 0 %)", bx->rank, bx->rank ? bx->dims[0] : 0);
  const int64_t a = bx->dims[1];
  if (sc->rank != 3 || sc->dims[0] != 1 || sc->dims[1] != a)
    return SELRT_REJECT(p, "scores must be [1, % anchors, classes] (rank %)", a, sc->rank);
  if (an->rank != 2 || an->dims[0] != a || an->dims[1] != 4)
    return SELRT_REJECT(p, "anchors must be [% anchors, 4] (rank %)", a, an->rank);
  if (!an->data) return SELRT_REJECT(p, "anchors must be a constant (% anchors)", a, 0);
  if (a > (1 << 22)) return SELRT_REJECT(p, "% anchors exceed the limit %", a, 1 << 22);
  const float *anc = (const float *)an->data;
  for (int64_t i = 0; i < a; i++) {
    if (!(anc[4 * i + 2] >= 0.0f) || !(anc[4 * i + 3] >= 0.0f))
      return SELRT_REJECT(p, "anchor % has a negative or NaN height/width (anchors %)", i, a);
  }
  const int64_t d = IP(max_detections), k = IP(classes_per_detection), classes = IP(num_classes);
  const int64_t c = sc->dims[2];
  if (a * c > INT32_MAX) return SELRT_REJECT(p, "% anchors x % score columns exceed int32", a, c);
  if (d < 0 || d > (1 << 16)) return SELRT_REJECT(p, "max_detections % is outside 0..%", d, 1 << 16);
  if (k < 1 || k > (1 << 16)) return SELRT_REJECT(p, "max_classes_per_detection % is outside 1..%", k, 1 << 16);
  if (classes < 1 || c - classes < 0 || c - classes > 1)
    return SELRT_REJECT(p, "num_classes % does not fit % score columns (one background column at most)", classes, c);
  if (IP(regular) != 0 && IP(regular) != 1) return SELRT_REJECT(p, "regular flag % is not 0 or 1", IP(regular), 0);
  if (IP(regular) && IP(detections_per_class) < 1)
    return SELRT_REJECT(p, "detections_per_class % must be >= 1 for regular NMS", IP(detections_per_class), 0);
  if (d * k > (1 << 20)) return SELRT_REJECT(p, "max_detections x classes per detection % exceed %", d * k, 1 << 20);
  const float iou = FP(iou_threshold);
  if (!(iou > 0.0f && iou <= 1.0f)) return SELRT_REJECT(p, "IoU threshold is outside (0, 1] (max detections %)", d, 0);
  if (FP(score_threshold) != FP(score_threshold)) return SELRT_REJECT(p, "score threshold is NaN (anchors %)", a, 0);
  const float scales[4] = {FP(y_scale), FP(x_scale), FP(h_scale), FP(w_scale)};
  for (int i = 0; i < 4; i++) {
    if (!(scales[i] != 0.0f) || !(scales[i] - scales[i] == 0.0f))
      return SELRT_REJECT(p, "box scale % is zero, infinite or NaN (anchors %)", i, a);
  }
  const uint64_t rows = (uint64_t)(d * k), keff = (uint64_t)(k < classes ? k : classes);
  const selrt_tensor *ob = selrt_pout(p, n, 0), *oc = selrt_pout(p, n, 1), *os = selrt_pout(p, n, 2);
  const selrt_tensor *on = selrt_pout(p, n, 3), *fs = selrt_pout(p, n, 4), *is = selrt_pout(p, n, 5);
  if (ob->dtype != SELRT_F32 || oc->dtype != SELRT_F32 || os->dtype != SELRT_F32 || on->dtype != SELRT_F32)
    return SELRT_REJECT(p, "the four outputs must be float32 (boxes dtype %, count %)", ob->dtype, on->dtype);
  if (selrt_numel(ob) != rows * 4 || selrt_numel(oc) != rows || selrt_numel(os) != rows || selrt_numel(on) != 1)
    return SELRT_REJECT(p, "outputs must hold % detection rows (boxes has % values)", rows, selrt_numel(ob));
  if (fs->dtype != SELRT_F32 || selrt_numel(fs) < selrt_detection_postprocess_f32_fscratch((uint64_t)a, (uint64_t)d))
    return SELRT_REJECT(p, "float scratch has % values, needs %", selrt_numel(fs),
                        selrt_detection_postprocess_f32_fscratch((uint64_t)a, (uint64_t)d));
  if (is->dtype != SELRT_I32 || selrt_numel(is) < selrt_detection_postprocess_f32_iscratch((uint64_t)a, (uint64_t)d, keff))
    return SELRT_REJECT(p, "int32 scratch has % values, needs %", selrt_numel(is),
                        selrt_detection_postprocess_f32_iscratch((uint64_t)a, (uint64_t)d, keff));
  return SELRT_OK;
}

/* Stable sort of items by key[item], descending (bottom-up merge through tmp). */
static void selrt_detection_postprocess_f32_sort(int32_t *items, int32_t *tmp, uint32_t count, const float *key) {
  int32_t *src = items, *dst = tmp;
  for (uint32_t width = 1; width < count; width *= 2) {
    for (uint32_t lo = 0; lo < count; lo += 2 * width) {
      uint32_t mid = lo + width < count ? lo + width : count, hi = lo + 2 * width < count ? lo + 2 * width : count;
      uint32_t i = lo, j = mid, o = lo;
      while (i < mid && j < hi) dst[o++] = key[src[j]] > key[src[i]] ? src[j++] : src[i++];
      while (i < mid) dst[o++] = src[i++];
      while (j < hi) dst[o++] = src[j++];
    }
    int32_t *t = src;
    src = dst;
    dst = t;
  }
  if (src != items) {
    for (uint32_t i = 0; i < count; i++) items[i] = src[i];
  }
}

static float selrt_detection_postprocess_f32_iou(const float *bi, const float *bj) {
  const float area_i = (bi[2] - bi[0]) * (bi[3] - bi[1]);
  const float area_j = (bj[2] - bj[0]) * (bj[3] - bj[1]);
  if (area_i <= 0 || area_j <= 0) return 0.0f;
  const float ymin = bi[0] > bj[0] ? bi[0] : bj[0], xmin = bi[1] > bj[1] ? bi[1] : bj[1];
  const float ymax = bi[2] < bj[2] ? bi[2] : bj[2], xmax = bi[3] < bj[3] ? bi[3] : bj[3];
  const float h = ymax - ymin > 0.0f ? ymax - ymin : 0.0f, w = xmax - xmin > 0.0f ? xmax - xmin : 0.0f;
  const float inter = h * w;
  return inter / (area_i + area_j - inter);
}

typedef struct {
  const float *boxes;          /* decoded, [A][4] */
  int32_t *kept, *active, *tmp;
  float score_threshold, iou_threshold;
  uint32_t a;
} selrt_detection_postprocess_f32_nms;

/* One suppression over scores[A]; writes at most max_out anchor indices to sel, returns their count. */
static uint32_t selrt_detection_postprocess_f32_suppress(const selrt_detection_postprocess_f32_nms *m,
                                                         const float *scores, uint32_t max_out, int32_t *sel) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < m->a; i++) {
    if (scores[i] >= m->score_threshold) m->kept[kept++] = (int32_t)i;
  }
  selrt_detection_postprocess_f32_sort(m->kept, m->tmp, kept, scores);
  const uint32_t limit = kept < max_out ? kept : max_out;
  uint32_t count = 0, live = kept;
  for (uint32_t i = 0; i < kept; i++) m->active[i] = 1;
  for (uint32_t i = 0; i < kept; i++) {
    if (live == 0 || count >= limit) break;
    if (!m->active[i]) continue;
    sel[count++] = m->kept[i];
    m->active[i] = 0;
    live--;
    const float *bi = m->boxes + 4 * (size_t)m->kept[i];
    for (uint32_t j = i + 1; j < kept; j++) {
      if (m->active[j] &&
          selrt_detection_postprocess_f32_iou(bi, m->boxes + 4 * (size_t)m->kept[j]) > m->iou_threshold) {
        m->active[j] = 0;
        live--;
      }
    }
  }
  return count;
}

selrt_status selrt_detection_postprocess_f32_run(selrt_session *s, const selrt_node *n) {
  const selrt_tensor *bt = selrt_in(s, n, 0), *st = selrt_in(s, n, 1);
  const float *enc = (const float *)bt->data, *score = (const float *)st->data;
  const float *anc = (const float *)selrt_in(s, n, 2)->data;
  float *out_boxes = (float *)selrt_out(s, n, 0)->data, *out_classes = (float *)selrt_out(s, n, 1)->data;
  float *out_scores = (float *)selrt_out(s, n, 2)->data, *out_count = (float *)selrt_out(s, n, 3)->data;
  float *fs = (float *)selrt_out(s, n, 4)->data;
  int32_t *is = (int32_t *)selrt_out(s, n, 5)->data;
  const uint32_t a = (uint32_t)bt->dims[1], e = (uint32_t)bt->dims[2], c = (uint32_t)st->dims[2];
  const uint32_t classes = (uint32_t)IP(num_classes), off = c - classes;
  const uint32_t d = (uint32_t)IP(max_detections), k = (uint32_t)IP(classes_per_detection);
  const uint32_t keff = k < classes ? k : classes;

  float *decoded = fs, *per_anchor = fs + 4 * (size_t)a, *merged_score = per_anchor + a;
  selrt_detection_postprocess_f32_nms m = {decoded, is, is + a, is + 2 * (size_t)a, FP(score_threshold),
                                           FP(iou_threshold), a};
  int32_t *merged_index = is + 3 * (size_t)a + d, *order = merged_index + a + d, *top = order + a + d;

  const double ys = FP(y_scale), xs = FP(x_scale), hs = FP(h_scale), ws = FP(w_scale);
  for (uint32_t i = 0; i < a; i++) {
    const float *t = enc + (size_t)i * e, *an = anc + 4 * (size_t)i;
    const float yc = (float)((double)t[0] / ys * (double)an[2] + (double)an[0]);
    const float xc = (float)((double)t[1] / xs * (double)an[3] + (double)an[1]);
    const float hh = (float)(0.5 * exp((double)t[2] / hs) * (double)an[2]);
    const float hw = (float)(0.5 * exp((double)t[3] / ws) * (double)an[3]);
    float *b = decoded + 4 * (size_t)i;
    b[0] = yc - hh;
    b[1] = xc - hw;
    b[2] = yc + hh;
    b[3] = xc + hw;
  }
  const size_t rows = (size_t)d * k;
  for (size_t i = 0; i < rows; i++) {
    out_boxes[4 * i] = out_boxes[4 * i + 1] = out_boxes[4 * i + 2] = out_boxes[4 * i + 3] = 0.0f;
    out_classes[i] = out_scores[i] = 0.0f;
  }

  if (!IP(regular)) {
    /* Each anchor's best classes, first index on ties (a strict > keeps the earlier one). */
    for (uint32_t r = 0; r < a; r++) {
      const float *row = score + (size_t)r * c + off;
      int32_t *best = top + (size_t)r * keff;
      for (uint32_t j = 0; j < keff; j++) {
        int32_t at = -1;
        for (uint32_t q = 0; q < classes; q++) {
          int taken = 0;
          for (uint32_t u = 0; u < j; u++) taken |= best[u] == (int32_t)q;
          if (!taken && (at < 0 || row[q] > row[at])) at = (int32_t)q;
        }
        best[j] = at;
      }
      per_anchor[r] = row[best[0]];
    }
    uint32_t count = selrt_detection_postprocess_f32_suppress(&m, per_anchor, d, order);
    for (uint32_t o = 0; o < count; o++) {
      const uint32_t anchor = (uint32_t)order[o];
      const float *row = score + (size_t)anchor * c + off;
      for (uint32_t j = 0; j < keff; j++) {
        const size_t slot = (size_t)k * o + j;
        for (int q = 0; q < 4; q++) out_boxes[4 * slot + (size_t)q] = decoded[4 * (size_t)anchor + (size_t)q];
        out_classes[slot] = (float)top[(size_t)anchor * keff + j];
        out_scores[slot] = row[top[(size_t)anchor * keff + j]];
      }
    }
    *out_count = (float)count;
    return SELRT_OK;
  }

  uint32_t have = 0;
  const uint32_t per_class = (uint32_t)IP(detections_per_class);
  for (uint32_t col = 0; col < classes; col++) {
    for (uint32_t r = 0; r < a; r++) per_anchor[r] = score[(size_t)r * c + col + off];
    /* This class's picks go after the best `have` so far (at most A of them). */
    uint32_t got = selrt_detection_postprocess_f32_suppress(&m, per_anchor, per_class, order);
    for (uint32_t j = 0; j < got; j++) {
      merged_index[have + j] = order[j] * (int32_t)c + (int32_t)(col + off);
      merged_score[have + j] = per_anchor[order[j]];
    }
    const uint32_t total = have + got, keep = total < d ? total : d;
    for (uint32_t j = 0; j < total; j++) order[j] = (int32_t)j;
    selrt_detection_postprocess_f32_sort(order, m.tmp, total, merged_score);
    /* Reorder the first `keep` in place through the spare halves of the buffers. */
    float *spare = merged_score + a + d;
    int32_t *spare_i = m.tmp;
    for (uint32_t j = 0; j < keep; j++) {
      spare[j] = merged_score[order[j]];
      spare_i[j] = merged_index[order[j]];
    }
    for (uint32_t j = 0; j < keep; j++) {
      merged_score[j] = spare[j];
      merged_index[j] = spare_i[j];
    }
    have = keep;
  }
  for (uint32_t o = 0; o < have; o++) {
    const uint32_t anchor = (uint32_t)merged_index[o] / c;
    for (int q = 0; q < 4; q++) out_boxes[4 * (size_t)o + (size_t)q] = decoded[4 * (size_t)anchor + (size_t)q];
    out_classes[o] = (float)((uint32_t)merged_index[o] - anchor * c - off);
    out_scores[o] = merged_score[o];
  }
  *out_count = (float)have;
  return SELRT_OK;
}

SELRT_KERNEL(detection_postprocess_f32, "detection_postprocess.f32");
