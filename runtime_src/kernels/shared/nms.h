/* Hard non-max suppression (non_max_suppression_v4/v5.f32): boxes [N, 4] as
 * (y1, x1, y2, x2) in any corner order, scores [N]. Candidates are the boxes
 * whose score is > score_threshold, visited by score, highest first (equal
 * scores by lower index); one is selected unless its IoU with an already
 * selected box is >= iou_threshold (IoU 0 when either area is <= 0). At most
 * M are selected; the unused tail of the outputs is zeroed, as LiteRT does.
 * No scratch: each step scans the scores for the next candidate (O(N) per
 * visited box). */
#ifndef SELRT_SHARED_NMS_H
#define SELRT_SHARED_NMS_H

#include "selrt_kernel.h"

/* check: boxes f32 [N, 4], scores f32 [N], the two thresholds f32 of one
 * element (inputs 0..3), indices i32 [M] (output 0), `scores_out` (an output
 * index, or -1) f32 [M], valid i32 of one element (output `valid`). */
selrt_status selrt_shared_nms_check(const selrt_program *p, const selrt_node *n, int scores_out, int valid);

/* run: fills the outputs; SELRT_ERR_INVALID_ARG when iou_threshold is not in [0, 1]. */
selrt_status selrt_shared_nms_run(selrt_session *s, const selrt_node *n, int scores_out, int valid);

#endif
