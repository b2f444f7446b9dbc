/* logical_not.bool: y = !x; any nonzero byte is true, the output is 0 or 1 */
#include "../shared/elementwise.h"

selrt_status selrt_logical_not_bool_check(const selrt_program *p, const selrt_node *n) {
  return selrt_shared_elementwise_check(p, n, SELRT_BOOL, SELRT_BOOL);
}

selrt_status selrt_logical_not_bool_run(selrt_session *s, const selrt_node *n) {
  const uint8_t *x = (const uint8_t *)selrt_in(s, n, 0)->data;
  selrt_tensor *yt = selrt_out(s, n, 0);
  uint8_t *y = (uint8_t *)yt->data;
  const size_t count = selrt_numel(yt);
  for (size_t i = 0; i < count; i++) y[i] = (uint8_t)!x[i];
  return SELRT_OK;
}

SELRT_KERNEL(logical_not_bool, "logical_not.bool");
