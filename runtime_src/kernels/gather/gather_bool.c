/* gather.bool: slices of params along one axis picked by int32/int64 indices, every index checked (shared/movers.h) */
#include "../shared/movers.h"

SELRT_GATHER(gather, bool, uint8_t, SELRT_BOOL);
