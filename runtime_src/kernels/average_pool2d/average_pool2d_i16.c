/* average_pool2d.i16: TFLite reference integer average pooling of the raw
 * int16 values (shared/pool_int.h); int32 sums are exact for windows of at
 * most 2^16 cells. */
#include "../shared/pool_int.h"

SELRT_AVGPOOL(average_pool2d, i16, int16_t, SELRT_I16, -32768, 32767, 1 << 16);
