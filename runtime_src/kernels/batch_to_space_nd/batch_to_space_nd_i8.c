/* batch_to_space_nd.i8: the int8 twin of batch_to_space_nd.f32, quantization unchanged (shared/movers.h) */
#include "../shared/movers.h"

SELRT_BATCH2SPACE(batch_to_space_nd, i8, int8_t, SELRT_I8);
