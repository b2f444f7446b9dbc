/* non_max_suppression_v4.f32: hard NMS (shared/nms.h); outputs the selected
 * indices [M] (zeros past the valid count) and the valid count. */
#include "../shared/nms.h"

selrt_status selrt_non_max_suppression_v4_f32_check(const selrt_program *p, const selrt_node *n) {
  return selrt_shared_nms_check(p, n, -1, 1);
}

selrt_status selrt_non_max_suppression_v4_f32_run(selrt_session *s, const selrt_node *n) {
  return selrt_shared_nms_run(s, n, -1, 1);
}

SELRT_KERNEL(non_max_suppression_v4_f32, "non_max_suppression_v4.f32");
