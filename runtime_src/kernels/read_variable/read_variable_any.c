/* read_variable.any: TFLite READ_VARIABLE, with the variable resolved ahead of time: value = the variable's current contents.
 * A variable is an arena tensor no other tensor shares over the whole run,
 * so its bytes persist between runs of a session. Any dtype; input and output
 * must agree in dtype and shape (a variable of mismatched size is refused). */
#include "shared/control.h"

#include <string.h>

selrt_status selrt_read_variable_any_check(const selrt_program *p, const selrt_node *n) {
  return selrt_shared_control_check_copy(p, selrt_pin(p, n, 0), selrt_pout(p, n, 0));
}

selrt_status selrt_read_variable_any_run(selrt_session *s, const selrt_node *n) {
  memcpy(selrt_out(s, n, 0)->data, selrt_in(s, n, 0)->data, selrt_out(s, n, 0)->bytes);
  return SELRT_OK;
}

SELRT_KERNEL(read_variable_any, "read_variable.any");
