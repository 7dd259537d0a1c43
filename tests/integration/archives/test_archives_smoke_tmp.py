import time
from archives_kit import ArchivesService, today
from vanguard.archives.v1 import archives_pb2 as pb


async def test_smoke(archives: ArchivesService) -> None:
    t = time.perf_counter()
    await archives.found_school([("b-a", "语文支部"), ("b-b", "数学支部")])
    print("school", time.perf_counter() - t)
    r = await archives.register("m-1", "王小明", "b-a")
    print("reg", r, time.perf_counter() - t)
    r = await archives.record("m-1")
    print("rec", r, time.perf_counter() - t)
    a = await archives.archive("m-1")
    print(a)
    print(await archives.head())
