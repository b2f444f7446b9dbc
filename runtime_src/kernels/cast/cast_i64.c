/* cast.i64: i64 to the output dtype (f32, i8, u8, i16, i32, i64, bool) as TFLite's static_cast (shared/cast.h) */
#include "../shared/cast.h"

SELRT_CAST(cast, i64, int64_t, SELRT_I64);
