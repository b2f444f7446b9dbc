/* squeeze.bool: a pure copy into the output's shape (shared/movers.h) */
#include "../shared/movers.h"

SELRT_COPY(squeeze, bool, SELRT_BOOL);
