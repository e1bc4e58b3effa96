declare module 'voy-search/voy_search_bg.js';
