/* sum.f32: sum over the input dims set in axis_mask: one loop template for every float
 * reduction (shared/reduce_f32.h), inlined with this op only. */
#include "../shared/reduce_f32.h"

SELRT_REDUCE_F32(sum, SUM);
