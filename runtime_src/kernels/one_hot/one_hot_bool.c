/* one_hot.bool: on where the index equals the depth position, off elsewhere (shared/movers.h) */
#include "../shared/movers.h"

SELRT_ONEHOT(one_hot, bool, uint8_t, SELRT_BOOL);
