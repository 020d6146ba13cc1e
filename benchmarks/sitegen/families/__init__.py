"""One module per CMS template family."""
from .drupal import Drupal
from .ghost import Ghost
from .hugo import Hugo
from .joomla import Joomla
from .newspaper import Newspaper
from .substack import Substack
from .wordpress import WordPress
from .wordpress_block import WordPressBlock

FAMILIES = {f.name: f for f in (Drupal, WordPress, WordPressBlock, Ghost, Newspaper, Joomla, Hugo, Substack)}
