/* expand_dims.bool: a pure copy into the output's shape (shared/movers.h) */
#include "../shared/movers.h"

SELRT_COPY(expand_dims, bool, SELRT_BOOL);
