/* neg.i8: int8 neg as the converter-built 256-entry table of what TFLite computes (selbuild/convert/ops/q_elementwise.py) */
#include "../shared/elementwise.h"
#include "../shared/qi8.h"

SELRT_LUT_I8(neg);
