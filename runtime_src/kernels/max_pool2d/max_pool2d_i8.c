/* max_pool2d.i8: maximum of the in-bounds cells of each window (input and
 * output share one quantization), clamped to act_min..act_max (shared/pool_int.h). */
#include "../shared/pool_int.h"

SELRT_MAXPOOL(max_pool2d, i8, int8_t, SELRT_I8, -128, 127);
