"""Chinese first, English on request: the page's language comes from `?lang=` (which also
sets the `vg_lang` cookie) or that cookie; zh-CN otherwise. Templates write both words at
once, `t("承诺公示栏", "Pledge board")`, so the Chinese reads where it is used."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request

from vanguard_cli.labels import LABELS

LANGUAGES = ("zh", "en")
COOKIE = "vg_lang"

STATUS_EN: dict[str, str] = {
    "PERMISSION_DENIED": "not permitted",
    "INVALID_ARGUMENT": "not accepted",
    "FAILED_PRECONDITION": "not possible now",
    "NOT_FOUND": "not found",
    "ABORTED": "changed meanwhile",
    "UNAVAILABLE": "service unavailable",
    "RESOURCE_EXHAUSTED": "too many requests",
    "UNAUTHENTICATED": "sign-in needed",
}
STATUS_ZH: dict[str, str] = {
    "PERMISSION_DENIED": "无权操作",
    "INVALID_ARGUMENT": "填写有误",
    "FAILED_PRECONDITION": "当前不能办理",
    "NOT_FOUND": "未找到",
    "ABORTED": "已被他人修改",
    "UNAVAILABLE": "服务暂不可用",
    "RESOURCE_EXHAUSTED": "请求过于频繁",
    "UNAUTHENTICATED": "需要登录",
}


WEB_LABELS: dict[str, str] = {  # codes the terminal does not show
    "posts": "示范岗",
    "pledges": "承诺践诺",
    "feedback": "群众评价",
    "verify_feedback": "核实群众评价",
    "dismiss_feedback": "不予采信",
    "approve_pledge": "审批承诺",
    "return_pledge": "退回承诺",
    "verify_fulfilment": "核实践诺",
    "verify_record": "核实记录",
    "reject_record": "不予认定",
    "pledge": "提交承诺",
    "fulfilment": "报告践诺",
    "self": "自评",
    "peer": "互评",
    "account": "新建账号",
    "closed": "已关账",
    "self_assessment": "自评",
    "peer_public": "互评与群众评议",
    "committee": "党委评定",
    "student": "学生",
    "parent": "家长",
    "colleague": "同事",
    "other": "其他",
    "below_threshold": "低于一星线",
    "top quarter": "前四分之一",
    "second quarter": "第二个四分之一",
    "third quarter": "第三个四分之一",
    "bottom quarter": "后四分之一",
}


def language(request: Request) -> str:
    asked = request.query_params.get("lang") or request.cookies.get(COOKIE, "")
    return asked if asked in LANGUAGES else "zh"


def translator(lang: str) -> Callable[[str, str], str]:
    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    return t


def labeller(lang: str) -> Callable[[str], str]:
    """A domain code as the page shows it: 学习培训 (zh), "study training" (en)."""

    def label(code: str) -> str:
        if lang == "en":
            return code.replace("_", " ")
        return WEB_LABELS.get(code) or LABELS.get(code, code)

    return label


def status_name(lang: str, code: str) -> str:
    return (STATUS_EN if lang == "en" else STATUS_ZH).get(code, code)
