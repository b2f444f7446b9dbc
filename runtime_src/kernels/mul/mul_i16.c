/* mul.i16: int16x8 elementwise mul with numpy broadcasting and fused
 * activation, LiteRT's general-scale int16 arithmetic (shared/qbinary_i16.h). */
#include "../shared/qbinary_i16.h"

_Static_assert(SELRT_mul_i16_IP_a_zp == SELRT_SHARED_QBINARY_I16_FIRST && SELRT_mul_i16_IP_act_max ==
                   SELRT_SHARED_QBINARY_I16_FIRST + 11 && SELRT_mul_i16_IP_b_strides0 == 7,
               "mul.i16 iparams must keep the shared qbinary layout");

selrt_status selrt_mul_i16_check(const selrt_program *p, const selrt_node *n) {
  return selrt_shared_qbinary_i16_check(p, n, SELRT_SHARED_QBINARY_I16_MUL);
}

selrt_status selrt_mul_i16_run(selrt_session *s, const selrt_node *n) {
  selrt_shared_qbinary_i16_run(s, n, SELRT_SHARED_QBINARY_I16_MUL);
  return SELRT_OK;
}

SELRT_KERNEL(mul_i16, "mul.i16");
