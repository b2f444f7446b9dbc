/* non_max_suppression_v5.f32 with soft_nms_sigma 0 (hard NMS, shared/nms.h):
 * outputs the selected indices [M], their scores [M] (zeros past the valid
 * count) and the valid count. */
#include "../shared/nms.h"

selrt_status selrt_non_max_suppression_v5_f32_check(const selrt_program *p, const selrt_node *n) {
  return selrt_shared_nms_check(p, n, 1, 2);
}

selrt_status selrt_non_max_suppression_v5_f32_run(selrt_session *s, const selrt_node *n) {
  return selrt_shared_nms_run(s, n, 1, 2);
}

SELRT_KERNEL(non_max_suppression_v5_f32, "non_max_suppression_v5.f32");
