/* reshape.i16: a pure copy (same bytes, the output's shape); input and output
 * share one quantization (the converter checks). */
#include "../shared/elementwise.h"

selrt_status selrt_reshape_i16_check(const selrt_program *p, const selrt_node *n) {
  return selrt_shared_elementwise_check(p, n, SELRT_I16, SELRT_I16);
}

selrt_status selrt_reshape_i16_run(selrt_session *s, const selrt_node *n) {
  return selrt_shared_elementwise_copy(s, n);
}

SELRT_KERNEL(reshape_i16, "reshape.i16");
