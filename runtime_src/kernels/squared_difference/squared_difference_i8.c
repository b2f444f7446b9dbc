/* squared_difference.i8: int8 elementwise (a - b)^2 with numpy broadcasting,
 * TFLite reference integer arithmetic (see shared/qbinary_i8.h). */
#include "../shared/qbinary_i8.h"

_Static_assert(SELRT_squared_difference_i8_IP_a_zp == SELRT_SHARED_QBINARY_I8_FIRST && SELRT_squared_difference_i8_IP_act_max ==
                   SELRT_SHARED_QBINARY_I8_FIRST + 11 && SELRT_squared_difference_i8_IP_b_strides0 == 7,
               "squared_difference.i8 iparams must keep the shared qbinary layout");

selrt_status selrt_squared_difference_i8_check(const selrt_program *p, const selrt_node *n) {
  return selrt_shared_qbinary_i8_check(p, n);
}

selrt_status selrt_squared_difference_i8_run(selrt_session *s, const selrt_node *n) {
  selrt_shared_qbinary_i8_run(s, n, SELRT_SHARED_QBINARY_I8_SQDIFF);
  return SELRT_OK;
}

SELRT_KERNEL(squared_difference_i8, "squared_difference.i8");
