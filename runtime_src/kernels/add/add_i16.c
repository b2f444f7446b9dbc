/* add.i16: int16x8 elementwise add with numpy broadcasting and fused
 * activation, LiteRT's general-scale int16 arithmetic (shared/qbinary_i16.h). */
#include "../shared/qbinary_i16.h"

_Static_assert(SELRT_add_i16_IP_a_zp == SELRT_SHARED_QBINARY_I16_FIRST && SELRT_add_i16_IP_act_max ==
                   SELRT_SHARED_QBINARY_I16_FIRST + 11 && SELRT_add_i16_IP_b_strides0 == 7,
               "add.i16 iparams must keep the shared qbinary layout");

selrt_status selrt_add_i16_check(const selrt_program *p, const selrt_node *n) {
  return selrt_shared_qbinary_i16_check(p, n, SELRT_SHARED_QBINARY_I16_ADD);
}

selrt_status selrt_add_i16_run(selrt_session *s, const selrt_node *n) {
  selrt_shared_qbinary_i16_run(s, n, SELRT_SHARED_QBINARY_I16_ADD);
  return SELRT_OK;
}

SELRT_KERNEL(add_i16, "add.i16");
