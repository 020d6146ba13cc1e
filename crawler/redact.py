"""Keep credentials out of the crawl log.

Scrapy logs every overridden setting when a crawl starts, credentials given with ``-s`` included;
this filter masks the values of settings whose names say they are secret.
"""
import logging
import re

SECRET_SETTING = re.compile(r"(['\"](?:[A-Z0-9_]*(?:SECRET|TOKEN|PASSWORD|ACCESS_KEY_ID)[A-Z0-9_]*)['\"]\s*:\s*)"
                            r"(['\"])(?:(?!\2).)*\2")


class RedactSecrets(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict) and isinstance(record.args.get("settings"), str):
            record.args = {**record.args, "settings": SECRET_SETTING.sub(r"\1'***'", record.args["settings"])}
        return True


def install() -> None:
    logger = logging.getLogger("scrapy.crawler")
    if not any(isinstance(f, RedactSecrets) for f in logger.filters):
        logger.addFilter(RedactSecrets())
