#include "nms.h"

static float selrt_shared_nms_iou(const float *a, const float *b) {
  const float ay0 = a[0] < a[2] ? a[0] : a[2], ay1 = a[0] < a[2] ? a[2] : a[0];
  const float ax0 = a[1] < a[3] ? a[1] : a[3], ax1 = a[1] < a[3] ? a[3] : a[1];
  const float by0 = b[0] < b[2] ? b[0] : b[2], by1 = b[0] < b[2] ? b[2] : b[0];
  const float bx0 = b[1] < b[3] ? b[1] : b[3], bx1 = b[1] < b[3] ? b[3] : b[1];
  const float area_a = (ay1 - ay0) * (ax1 - ax0), area_b = (by1 - by0) * (bx1 - bx0);
  if (!(area_a > 0.0f) || !(area_b > 0.0f)) return 0.0f;
  const float iy0 = ay0 > by0 ? ay0 : by0, iy1 = ay1 < by1 ? ay1 : by1;
  const float ix0 = ax0 > bx0 ? ax0 : bx0, ix1 = ax1 < bx1 ? ax1 : bx1;
  const float ih = iy1 - iy0 > 0.0f ? iy1 - iy0 : 0.0f, iw = ix1 - ix0 > 0.0f ? ix1 - ix0 : 0.0f;
  const float inter = ih * iw;
  return inter / (area_a + area_b - inter);
}

static int selrt_shared_nms_one_f32(const selrt_tensor *t) { return t->dtype == SELRT_F32 && selrt_numel(t) == 1; }

selrt_status selrt_shared_nms_check(const selrt_program *p, const selrt_node *n, int scores_out, int valid) {
  const selrt_tensor *b = selrt_pin(p, n, 0), *sc = selrt_pin(p, n, 1), *idx = selrt_pout(p, n, 0);
  const selrt_tensor *v = selrt_pout(p, n, valid);
  if (b->dtype != SELRT_F32 || b->rank != 2 || b->dims[1] != 4) return SELRT_REJECT(p, "boxes are not float32 [N, 4]", 0, 0);
  if (sc->dtype != SELRT_F32 || sc->rank != 1 || sc->dims[0] != b->dims[0])
    return SELRT_REJECT(p, "scores are not float32 [%] (one per box)", b->dims[0], 0);
  if (!selrt_shared_nms_one_f32(selrt_pin(p, n, 2)) || !selrt_shared_nms_one_f32(selrt_pin(p, n, 3)))
    return SELRT_REJECT(p, "the thresholds are not one float32 each", 0, 0);
  if (idx->dtype != SELRT_I32 || idx->rank != 1) return SELRT_REJECT(p, "selected indices are not int32 [M]", 0, 0);
  if (scores_out >= 0) {
    const selrt_tensor *so = selrt_pout(p, n, scores_out);
    if (so->dtype != SELRT_F32 || so->rank != 1 || so->dims[0] != idx->dims[0])
      return SELRT_REJECT(p, "selected scores are not float32 [%]", idx->dims[0], 0);
  }
  if (v->dtype != SELRT_I32 || selrt_numel(v) != 1) return SELRT_REJECT(p, "valid count is not one int32", 0, 0);
  return SELRT_OK;
}

selrt_status selrt_shared_nms_run(selrt_session *s, const selrt_node *n, int scores_out, int valid) {
  const selrt_tensor *bt = selrt_in(s, n, 0), *st = selrt_in(s, n, 1), *it = selrt_out(s, n, 0);
  const float *boxes = (const float *)bt->data, *scores = (const float *)st->data;
  const float iou_th = *(const float *)selrt_in(s, n, 2)->data, score_th = *(const float *)selrt_in(s, n, 3)->data;
  int32_t *idx = (int32_t *)it->data;
  float *sel = scores_out >= 0 ? (float *)selrt_out(s, n, scores_out)->data : (float *)0;
  const int32_t N = bt->dims[0], M = it->dims[0];
  if (!(iou_th >= 0.0f && iou_th <= 1.0f)) return SELRT_ERR_INVALID_ARG;
  int32_t count = 0, prev = -1;
  float prev_score = 0.0f;
  while (count < M) {
    int32_t best = -1;
    for (int32_t i = 0; i < N; i++) {
      const float v = scores[i];
      if (!(v > score_th)) continue;
      /* after the previous candidate in (score desc, index asc) order */
      if (prev >= 0 && !(v < prev_score || (v == prev_score && i > prev))) continue;
      if (best < 0 || v > scores[best]) best = i;
    }
    if (best < 0) break;
    prev = best;
    prev_score = scores[best];
    int keep = 1;
    for (int32_t j = 0; j < count && keep; j++)
      keep = !(selrt_shared_nms_iou(boxes + (size_t)best * 4, boxes + (size_t)idx[j] * 4) >= iou_th);
    if (keep) {
      if (sel) sel[count] = scores[best];
      idx[count++] = best;
    }
  }
  for (int32_t j = count; j < M; j++) {
    idx[j] = 0;
    if (sel) sel[j] = 0.0f;
  }
  *(int32_t *)selrt_out(s, n, valid)->data = count;
  return SELRT_OK;
}
