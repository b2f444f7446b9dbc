/* max_pool2d.i16: maximum of the in-bounds cells of each window (input and
 * output share one quantization), clamped to act_min..act_max (shared/pool_int.h). */
#include "../shared/pool_int.h"

SELRT_MAXPOOL(max_pool2d, i16, int16_t, SELRT_I16, -32768, 32767);
