"""Who is in the demo school: one committee, three branches, thirty teacher-members."""

from __future__ import annotations

from dataclasses import dataclass

SCHOOL_NAME = "湘江实验中学"

BRANCHES: tuple[tuple[str, str], ...] = (
    ("chinese", "语文教研组党支部"),
    ("science", "数理教研组党支部"),
    ("staff", "行政后勤党支部"),
)

NAMES = (
    "王芳", "李建国", "张丽华", "刘洋", "陈静", "杨帆", "赵敏", "黄志强", "周婷", "吴晓东",
    "徐红梅", "孙伟", "胡雪", "朱明", "高峰", "林小燕", "何军", "郭晓兰", "马超", "罗佳",
    "梁文斌", "宋雨", "郑凯", "谢春花", "韩磊", "唐敏", "冯涛", "于慧", "董建华", "萧红",
)  # fmt: skip

COMMITTEE = "committee-secretary"  # the committee's own subject: never a member's id


@dataclass(frozen=True)
class Teacher:
    index: int  # 0–29
    member_id: str
    name: str
    branch_id: str
    roles: tuple[str, ...]
    secretary: bool  # the branch secretary (支部书记)

    @property
    def head_teacher(self) -> bool:
        return "head_teacher" in self.roles

    @property
    def staff(self) -> bool:
        return "staff" in self.roles


def _teacher(index: int) -> Teacher:
    branch_id = BRANCHES[index // 10][0]
    place = index % 10
    if branch_id == "staff":
        roles: tuple[str, ...] = ("staff",)
    elif place in (1, 4, 7):
        roles = ("teacher", "head_teacher")
    else:
        roles = ("teacher",)
    return Teacher(index, f"m{index + 1:02d}", NAMES[index], branch_id, roles, place == 0)


TEACHERS: tuple[Teacher, ...] = tuple(_teacher(i) for i in range(len(NAMES)))


def colleagues(teacher: Teacher, count: int) -> list[Teacher]:
    """The next `count` members of the teacher's branch, in a circle: peer reviewers."""
    branch = [t for t in TEACHERS if t.branch_id == teacher.branch_id]
    at = branch.index(teacher)
    return [branch[(at + k) % len(branch)] for k in range(1, count + 1)]


def secretary_of(branch_id: str) -> Teacher:
    return next(t for t in TEACHERS if t.branch_id == branch_id and t.secretary)
