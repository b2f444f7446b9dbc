/* gather.i16: slices of params along one axis picked by int32/int64 indices, every index checked (shared/movers.h) */
#include "../shared/movers.h"

SELRT_GATHER(gather, i16, int16_t, SELRT_I16);
