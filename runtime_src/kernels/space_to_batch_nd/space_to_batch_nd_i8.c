/* space_to_batch_nd.i8: the int8 twin of space_to_batch_nd.f32, quantization unchanged (shared/movers.h) */
#include "../shared/movers.h"

SELRT_SPACE2BATCH(space_to_batch_nd, i8, int8_t, SELRT_I8);
