/* average_pool2d.i8: TFLite reference integer average pooling of the raw
 * int8 values (shared/pool_int.h); int32 sums are exact for windows of at
 * most 2^23 cells. */
#include "../shared/pool_int.h"

SELRT_AVGPOOL(average_pool2d, i8, int8_t, SELRT_I8, -128, 127, 1 << 23);
